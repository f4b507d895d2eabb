// Subtitles from a file: a viewer adds a subtitle file to the session on screen, the other viewer
// gets it too, and the browser shows its cues (a <track> of the video, WebVTT cues) at their media
// time; the choice and the offset are each viewer's own and survive a reload. Alice is in this project's browser, Bob in the
// other one. The truth is the browser's own: the showing TextTrack's cues and activeCues. The
// Cyrillic file's bytes are Windows-1251, as Python's codecs wrote them (no UTF-8 anywhere in it).
import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAs, openSdkPage, reopen, test, userIds } from './support/pages.mjs';
import { testMovie, testMovieNamed } from './support/test-movies.mjs';
import { sendFile, setReadLimit, waitReady } from './support/transfer-helpers.mjs';
import { HOLD_START, expectUnlock, fraction, holdReads, pair } from './support/watch-helpers.mjs';

// 1 s–3 s "Привет"; a cue whose start does not read ("сломано"); 5 s–8 s "<i>Пока</i>"; CRLF.
const RU_SRT_CP1251 = '310d0a30303a30303a30312c303030202d2d3e2030303a30303a30332c3030300d0acff0e8e2e5f20d0a0d0a320d0a30303a30303a30782c303030202d2d3e2030303a30303a30362c3030300d0af1ebeeece0edee0d0a0d0a330d0a30303a30303a30352c303030202d2d3e2030303a30303a30382c3030300d0a3c693ecfeeeae03c2f693e0d0a';
const EN_VTT = 'WEBVTT\n\n00:00:01.500 --> 00:00:02.500 align:start\nHello &amp; <b>welcome</b>\n';
let dir, movie, ru, en, notes, sidecar, styled;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-subtitles-'));
  ({ path: movie } = testMovieNamed(dir, 'counter.webm', 'counter', { seconds: 30 }));
  ru = join(dir, 'ru.srt');
  writeFileSync(ru, Buffer.from(RU_SRT_CP1251, 'hex'));
  en = join(dir, 'en.vtt');
  writeFileSync(en, EN_VTT);
  notes = join(dir, 'notes.srt');
  writeFileSync(notes, 'remember to buy milk\n');
  sidecar = join(dir, 'sidecar.srt');
  writeFileSync(sidecar, '1\n00:00:04,500 --> 00:00:06,500\nSidecar\n');
  styled = join(dir, 'styled.ass');
  writeFileSync(styled, '[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n'
    + 'Dialogue: 0,0:00:04.50,0:00:06.50,Default,,0,0,0,,{\\i1}Styled{\\i0} {\\b1}text{\\b0}\\Nsecond line\n');
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What the page's video shows: the showing text tracks' labels and cues, and the active cues' text.
const shown = (page) => page.evaluate(() => {
  const showing = [...document.getElementById('player').textTracks].filter((t) => t.mode === 'showing');
  return {
    labels: showing.map((t) => t.label),
    cues: showing.flatMap((t) => [...(t.cues ?? [])].map((c) => [Math.round(c.startTime * 1000) / 1000, Math.round(c.endTime * 1000) / 1000, c.text])),
    active: showing.flatMap((t) => [...(t.activeCues ?? [])].map((c) => c.text)),
  };
});
const options = (page) => page.locator('#subtitle-track option');

test('a viewer adds subtitle files (SubRip in Windows-1251, WebVTT): the other gets them, shown at their media time, each viewer\'s own choice, offset and Off, kept over a reload', async ({ browser, other }, info) => {
  const [aliceId, bobId] = userIds('subtitles', 'alice', 'bob');
  const alice = await openAs(browser, aliceId);
  const bob = await openAs(other, bobId);
  try {
    const id = await sendFile(alice.page, bob.page, bobId, movie);
    for (const side of [bob, alice]) {
      await waitReady(side.page, id);
      await expect(side.page.locator('#subtitle-choice')).toBeVisible();
      await side.page.waitForFunction(() => document.getElementById('player')?.readyState >= 1, null, { timeout: 30_000 });
    }
    await expect(options(bob.page)).toHaveText(['Off']);
    await expect(bob.page.locator('#subtitle-earlier')).toBeDisabled();

    // Bob adds the Cyrillic SubRip file: read as Windows-1251, its broken cue left out and said so.
    await bob.page.locator('#subtitle-input').setInputFiles(ru);
    await expect(options(bob.page)).toHaveText(['Off', 'ru.srt (from a file; 1 broken cue left out)']);
    await expect(bob.page.locator('#subtitle-track')).not.toHaveValue('off');
    await expect.poll(() => shown(bob.page).then((s) => s.cues)).toEqual([[1, 3, 'Привет'], [5, 8, '<i>Пока</i>']]);
    expect((await shown(bob.page)).labels).toEqual(['ru.srt']);
    // Alice gets the file too (through the session's record, checked against its SHA-256), in her
    // list but not chosen for her: her player shows none.
    await expect(options(alice.page)).toHaveText(['Off', `ru.srt (from ${bobId}'s file; 1 broken cue left out)`]);
    await expect(alice.page.locator('#subtitle-track')).toHaveValue('off');
    expect(await shown(alice.page)).toEqual({ labels: [], cues: [], active: [] });

    // Alice moves the group to 2 s: Bob's browser shows the cue of that moment.
    await alice.page.evaluate(() => { document.getElementById('player').currentTime = 2; });
    await expect.poll(() => bob.page.evaluate(() => document.getElementById('player').currentTime), { timeout: 15_000 }).toBeCloseTo(2, 1);
    await expect.poll(() => shown(bob.page).then((s) => s.active)).toEqual(['Привет']);
    await bob.page.screenshot({ path: info.outputPath('subtitle-shown.png'), fullPage: true });
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await bob.page.screenshot({ path: info.outputPath('subtitle-shown-phone.png'), fullPage: true });
    await bob.page.setViewportSize({ width: 1280, height: 720 });

    // Three steps later: every cue 0.3 s later.
    for (let i = 0; i < 3; i++) await bob.page.locator('#subtitle-later').click();
    await expect(bob.page.locator('#subtitle-offset')).toHaveText('+0.3 s');
    await expect.poll(() => shown(bob.page).then((s) => s.cues)).toEqual([[1.3, 3.3, 'Привет'], [5.3, 8.3, '<i>Пока</i>']]);

    // A WebVTT file added mid-session shows instead; then Off hides every cue.
    await bob.page.locator('#subtitle-input').setInputFiles(en);
    await expect(options(bob.page)).toHaveText(['Off', 'ru.srt (from a file; 1 broken cue left out)', 'en.vtt (from a file)']);
    await expect.poll(() => shown(bob.page).then((s) => [s.labels, s.cues])).toEqual([['en.vtt'], [[1.8, 2.8, 'Hello &amp; <b>welcome</b>']]]);
    await bob.page.locator('#subtitle-track').selectOption('off');
    await expect.poll(() => shown(bob.page)).toEqual({ labels: [], cues: [], active: [] });
    await expect(bob.page.locator('#subtitle-later')).toBeDisabled();

    // A file that is no subtitle file is refused with the reason, and nothing changes.
    await bob.page.locator('#subtitle-input').setInputFiles(notes);
    await expect(bob.page.locator('#error')).toHaveText('Subtitles not added: "notes.srt": This is not a subtitle file this app can read (SubRip .srt, WebVTT .vtt, or .ass/.ssa).');
    await expect(options(bob.page)).toHaveCount(3);
    await expect(options(alice.page)).toHaveText(['Off', `ru.srt (from ${bobId}'s file; 1 broken cue left out)`, `en.vtt (from ${bobId}'s file)`]);

    // A lying record (Alice's own second page, so the rules let it in: its digest is not that of
    // its bytes) is left out on both sides, with the reason.
    const liar = await openSdkPage(browser, aliceId);
    await liar.page.evaluate(async ([uid, sid]) => {
      const { ref, set } = window.wtFirebase;
      const db = await window.wt.database(uid);
      await set(ref(db, `watch-sessions/${sid}/subtitles/lie`), { by: uid, name: 'lie.srt', sha256: '0'.repeat(64), size: 3, data: 'YWJj', at: 1 });
    }, [aliceId, id]);
    await liar.context.close();
    for (const side of [alice, bob]) {
      await expect(side.page.locator('#error')).toHaveText(`The subtitles "lie.srt" from ${aliceId} did not arrive intact, so they are left out.`);
      await expect(options(side.page)).toHaveCount(3);
    }

    // Alice picks Bob's WebVTT file for herself: her browser shows its cue at the group's 2 s.
    await alice.page.locator('#subtitle-track').selectOption({ label: `en.vtt (from ${bobId}'s file)` });
    await expect.poll(() => shown(alice.page).then((s) => [s.labels, s.cues, s.active])).toEqual([['en.vtt'], [[1.5, 2.5, 'Hello &amp; <b>welcome</b>']], ['Hello &amp; <b>welcome</b>']]);

    // Bob picks the Cyrillic file again and reloads: his files, his choice and his offset are back.
    await bob.page.locator('#subtitle-track').selectOption({ label: 'ru.srt (from a file; 1 broken cue left out)' });
    const back = await reopen(bob, bobId);
    await expect(back.locator('#subtitle-choice')).toBeVisible({ timeout: 30_000 });
    await expect(options(back)).toHaveText(['Off', 'ru.srt (from a file; 1 broken cue left out)', 'en.vtt (from a file)']);
    await expect(back.locator('#subtitle-offset')).toHaveText('+0.3 s');
    await expect.poll(() => shown(back).then((s) => [s.labels, s.cues]), { timeout: 15_000 })
      .toEqual([['ru.srt'], [[1.3, 3.3, 'Привет'], [5.3, 8.3, '<i>Пока</i>']]]);
    expect((await shown(alice.page)).labels).toEqual(['en.vtt']);  // Bob's choices are not Alice's
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  } finally {
    await Promise.all([alice.context.close(), bob.context.close()]);
  }
});

// The movie's own SRT track (mkv-h264-aac: "Line k" from 4(k-1) s to 4(k-1)+3 s, 15 of them,
// media-helpers.mjs; ffmpeg moves the whole file 21 ms later for AAC's priming, so the times are
// ffprobe's of the file's subtitle packets), read as the Matroska file arrives. Alice's reads are held from 60% of the file,
// so Bob provably holds only part of it while its first cues show; the rest come once she lets go.
test('a subtitle track inside an MKV shows while the file arrives; subtitle files sent with it (SubRip, ASS) and dropped on the player; each viewer\'s choice, kept over a reload', async ({ browser, other }, info) => {
  const m = testMovie('mkv-h264-aac', { kbps: 2000, seconds: 60 });
  const packets = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 's', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', m.path])
    .toString().trim().split('\n').map((l) => l.split(',').map(Number));
  expect(packets).toHaveLength(15);
  const ms = (t) => Math.round(t * 1000) / 1000;
  const lines = (from, to, offset = 0) => packets.slice(from - 1, to).map(([pts, d], i) => [ms(Math.max(0, pts + offset)), ms(pts + d + offset), `Line ${from + i}`]);
  const p = await pair(browser, other, 'embedded-subtitles', { gated: true });
  try {
    // Alice picks the movie and two subtitle files together: all go to Bob; the first is her choice.
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { subtitles: [sidecar, styled], beforeAccept: () => holdReads(p.alice.page, m, HOLD_START) });
    const files = (whose) => [`sidecar.srt (${whose})`, `styled.ass (${whose})`];
    await expect(p.bob.page.locator('#subtitle-choice')).toBeVisible({ timeout: 30_000 });
    await expect(options(p.bob.page)).toHaveText(['Off', 'English (in the movie)', ...files(`from ${p.aliceId}'s file`)]);
    await expect(p.bob.page.locator('#subtitle-track')).toHaveValue('off');
    await p.bob.page.locator('#subtitle-track').selectOption({ label: 'English (in the movie)' });
    // The cues of the part that has arrived, in order, and not the rest: the file is still arriving.
    await expect.poll(async () => (await shown(p.bob.page)).cues.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const early = (await shown(p.bob.page)).cues;
    expect(early).toEqual(lines(1, early.length));
    expect(early.length).toBeLessThan(15);
    expect(await fraction(p.bob.page, id)).toBeLessThan(1);
    expect((await shown(p.bob.page)).labels).toEqual(['English']);
    // Alice reads the same track from her own file; what she chose is the first file she sent with it.
    await expect(options(p.alice.page)).toHaveText(['Off', 'English (in the movie)', ...files('from a file')]);
    await expect.poll(() => shown(p.alice.page).then((s) => s.labels)).toEqual(['sidecar.srt']);

    // At 5 s of the movie, Bob's browser shows "Line 2".
    await expectUnlock(p.bob.page, id, m.size, { fast: true });
    await p.bob.page.evaluate(() => { document.getElementById('player').currentTime = 5; });
    await expect.poll(() => shown(p.bob.page).then((s) => s.active), { timeout: 15_000 }).toEqual(['Line 2']);
    await p.bob.page.screenshot({ path: info.outputPath('embedded-subtitle-shown.png'), fullPage: true });

    // Alice lets go: every cue arrives; the offset moves them like a file's.
    await setReadLimit(p.alice.page, null);
    await waitReady(p.bob.page, id);
    await expect.poll(() => shown(p.bob.page).then((s) => s.cues), { timeout: 30_000 }).toEqual(lines(1, 15));
    // The group is at 5 s: Alice's browser shows her sidecar's cue (her player starts once her reads
    // are let go: it reads her file through the same hold); Bob picks it and sees the same.
    await expect.poll(() => shown(p.alice.page).then((s) => s.active), { timeout: 30_000 }).toEqual(['Sidecar']);
    await p.bob.page.locator('#subtitle-track').selectOption({ label: `sidecar.srt (from ${p.aliceId}'s file)` });
    await expect.poll(() => shown(p.bob.page).then((s) => [s.labels, s.active])).toEqual([['sidecar.srt'], ['Sidecar']]);
    // The ASS file: its italics and bold kept, in the browser's renderer.
    await p.bob.page.locator('#subtitle-track').selectOption({ label: `styled.ass (from ${p.aliceId}'s file)` });
    await expect.poll(() => shown(p.bob.page).then((s) => s.active)).toEqual(['<i>Styled</i> <b>text</b>\nsecond line']);
    await p.bob.page.screenshot({ path: info.outputPath('ass-styled.png'), fullPage: true });
    await p.bob.page.locator('#subtitle-track').selectOption({ label: 'English (in the movie)' });
    await p.bob.page.locator('#subtitle-earlier').click();
    await expect.poll(() => shown(p.bob.page).then((s) => s.cues)).toEqual(lines(1, 15, -0.1));

    // A subtitle file dropped on Bob's player joins the session: his choice now, and Alice's list.
    await p.bob.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['1\n00:00:10,000 --> 00:00:12,000\nDropped\n'], 'drop.srt'));
      document.getElementById('player-box').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => shown(p.bob.page).then((s) => [s.labels, s.cues])).toEqual([['drop.srt'], [[9.9, 11.9, 'Dropped']]]);
    await expect(options(p.alice.page)).toHaveText(['Off', 'English (in the movie)', ...files('from a file'), `drop.srt (from ${p.bobId}'s file)`]);
    await p.bob.page.locator('#subtitle-track').selectOption({ label: 'English (in the movie)' });

    // A reload: Bob's choice and offset are back, the cues read again from what he stored.
    const back = await reopen(p.bob, p.bobId);
    await expect(back.locator('#subtitle-choice')).toBeVisible({ timeout: 30_000 });
    await expect(back.locator('#subtitle-track')).not.toHaveValue('off');
    await expect(back.locator('#subtitle-offset')).toHaveText('−0.1 s');
    await expect.poll(() => shown(back).then((s) => s.cues.length), { timeout: 30_000 }).toBe(15);
    expect((await shown(back)).cues).toEqual(lines(1, 15, -0.1));
    expect(p.alice.errors).toEqual([]);
    expect(p.bob.errors).toEqual([]);
  } finally {
    await p.close();
  }
});
