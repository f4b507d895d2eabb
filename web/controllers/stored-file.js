// Checks a finished download's stored pieces against the SHA-256 each was verified with (kept in
// its ledger) before the file leaves IndexedDB (Save file), one piece at a time, never the whole
// file in memory. The core hashes and decides: a damaged piece is dropped from the ledger, which is
// stored again so that nothing takes it for good later; every other piece stays where it is.
// Resolves with the numbers of the pieces that are not intact (damaged, or not held at all).
export async function damagedPieces(core, store, record) {
  const ledger = new core.StoredLedger(record.transferId, record.fileSize, record.ledger ?? null);
  try {
    const restored = ledger.restoreResult();
    if (restored !== 'ok') throw new Error(`its pieces cannot be checked: the record of what was received is unusable (${restored})`);
    const bad = [];
    for (let piece = 0; piece < ledger.pieceCount(); piece++) {
      const bytes = await store.readPiece(record.transferId, piece);
      if (ledger.verify(piece, bytes ?? new Uint8Array(0)) !== 'intact') bad.push(piece);
    }
    if (bad.length) await store.updateTransfer(record.transferId, { ledger: ledger.serialize() });
    return bad;
  } finally {
    ledger.delete();
  }
}
