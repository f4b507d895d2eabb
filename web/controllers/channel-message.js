// A data channel message into a core object's message window (the one copy into the wasm heap),
// handled there in place; shared by the sender's and the receiver's drivers. Text messages are not
// ours and are ignored (false). A message larger than the window is passed by length only: the
// core counts it as a malformed frame.
export function feedMessage(side, data, nowMs) {
  if (!(data instanceof ArrayBuffer)) return false;
  const win = side.messageWindow();
  if (data.byteLength <= win.length) win.set(new Uint8Array(data));
  side.onMessage(data.byteLength, nowMs);
  return true;
}
