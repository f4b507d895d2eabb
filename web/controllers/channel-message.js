// A data channel message into a core object's message window (the one copy into the wasm heap),
// handled there in place; shared by the sender's and the receiver's drivers. Text messages are not
// ours and are ignored (false). A message larger than the window is passed by length only: the
// core counts it as a malformed frame. The receiver's messages carry the lane they came on (0: the
// main channel; see piece_receiver.hpp); the sender's come only on the main channel.
/**
 * @param {{ messageWindow(): Uint8Array, onMessage(length: number, nowMs: number, ...lane: number[]): string }} side
 * @param {any} data
 * @param {number} nowMs
 * @param {number[]} lane
 */
export function feedMessage(side, data, nowMs, ...lane) {
  if (!(data instanceof ArrayBuffer)) return false;
  const win = side.messageWindow();
  if (data.byteLength <= win.length) win.set(new Uint8Array(data));
  side.onMessage(data.byteLength, nowMs, ...lane);
  return true;
}
