#include "transfer/flat_json.hpp"

namespace wt {
namespace {

constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t(1) << 53) - 1;

class Reader {
 public:
  Reader(const char* p, std::size_t n) : p_(p), end_(p + n) {}

  bool object(FlatJsonObject& out) {
    ws();
    if (!eat('{')) return false;
    ws();
    if (eat('}')) return done();
    for (;;) {
      std::string key;
      ws();
      if (!string(key)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      FlatJsonValue v;
      if (!value(v)) return false;
      if (!out.emplace(std::move(key), std::move(v)).second) return false;  // duplicate key
      ws();
      if (eat(',')) continue;
      if (eat('}')) return done();
      return false;
    }
  }

 private:
  bool done() {
    ws();
    return p_ == end_;
  }
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool literal(const char* word) {
    const char* q = p_;
    for (; *word; ++word, ++q)
      if (q >= end_ || *q != *word) return false;
    p_ = q;
    return true;
  }

  bool value(FlatJsonValue& v) {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '"': v.kind = FlatJsonValue::Kind::String; return string(v.text);
      case 't': v.kind = FlatJsonValue::Kind::Bool; v.boolean = true; return literal("true");
      case 'f': v.kind = FlatJsonValue::Kind::Bool; v.boolean = false; return literal("false");
      case 'n': v.kind = FlatJsonValue::Kind::Null; return literal("null");
      default: v.kind = FlatJsonValue::Kind::Number; return number(v);
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool number(FlatJsonValue& v) {
    const char* start = p_;
    bool plain = true;
    if (eat('-')) plain = false;
    if (p_ >= end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (eat('.')) {
      plain = false;
      if (p_ >= end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      plain = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    v.text.assign(start, p_);
    if (plain && v.text.size() <= 16) {
      std::uint64_t x = 0;
      for (char c : v.text) x = x * 10 + std::uint64_t(c - '0');
      if (x <= kMaxSafeInteger) {
        v.is_uint = true;
        v.uint_value = x;
      }
    }
    return true;
  }

  bool hex4(std::uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      std::uint32_t d;
      if (c >= '0' && c <= '9') d = std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') d = std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = std::uint32_t(c - 'A' + 10);
      else return false;
      out = out << 4 | d;
    }
    return true;
  }

  // Copies one valid UTF-8 sequence starting at p_; false for invalid or overlong encodings.
  bool utf8_char(std::string& s) {
    const auto b0 = std::uint8_t(*p_);
    int n;
    std::uint32_t cp, min;
    if (b0 < 0xc2) return false;  // continuation byte or overlong 2-byte lead
    if (b0 < 0xe0) { n = 1; cp = b0 & 0x1f; min = 0x80; }
    else if (b0 < 0xf0) { n = 2; cp = b0 & 0x0f; min = 0x800; }
    else if (b0 < 0xf5) { n = 3; cp = b0 & 0x07; min = 0x10000; }
    else return false;
    if (end_ - p_ < n + 1) return false;
    for (int i = 1; i <= n; ++i) {
      const auto b = std::uint8_t(p_[i]);
      if ((b & 0xc0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    s.append(p_, p_ + n + 1);
    p_ += n + 1;
    return true;
  }

  bool string(std::string& s) {
    if (!eat('"')) return false;
    while (p_ < end_) {
      const char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (std::uint8_t(c) < 0x20) return false;
      if (std::uint8_t(c) >= 0x80) {
        if (!utf8_char(s)) return false;
        continue;
      }
      ++p_;
      if (c != '\\') {
        s += c;
        continue;
      }
      if (p_ >= end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return false;  // lone low surrogate
          if (cp >= 0xd800 && cp <= 0xdbff) {
            std::uint32_t lo;
            if (!eat('\\') || !eat('u') || !hex4(lo) || lo < 0xdc00 || lo > 0xdfff) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          append_utf8(s, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

bool parse_flat_json(const char* data, std::size_t len, FlatJsonObject& out) {
  out.clear();
  if (data == nullptr) return false;
  Reader r(data, len);
  if (r.object(out)) return true;
  out.clear();
  return false;
}

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xc0 | cp >> 6);
    s += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += char(0xe0 | cp >> 12);
    s += char(0x80 | (cp >> 6 & 0x3f));
    s += char(0x80 | (cp & 0x3f));
  } else {
    s += char(0xf0 | cp >> 18);
    s += char(0x80 | (cp >> 12 & 0x3f));
    s += char(0x80 | (cp >> 6 & 0x3f));
    s += char(0x80 | (cp & 0x3f));
  }
}

void append_json_string(std::string& out, const std::string& utf8) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char c : utf8) {
    const auto u = std::uint8_t(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace wt
