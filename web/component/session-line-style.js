// The lines of a session in the list (who does what, the transfer's status and connection), the
// same in <watch-together>'s Shadow DOM (component-style.js) and on the standalone page (app.js).
// Colours come from the component's custom properties, with the standalone page's as fallbacks.
export const SESSION_LINE_CSS = `
.session .self-line, .session .peer-line { color: var(--wt-muted-fg, #555); font-size: 0.92em; }
.session .self-line:not(:empty)::before { content: "You: "; }
.session .peer-line:not(:empty)::before { content: attr(data-who) ": "; }
.transfer-status[data-phase="storage-full"], .refused { color: #a15c00; font-weight: 600; }
.link-type { color: var(--wt-muted-fg, #555); }
.link-type:not(:empty)::before { content: "• "; }
.session .expect-line, .session .peer-error { flex-basis: 100%; margin: 0; font-size: 0.92em; }
.session .expect-line { color: var(--wt-muted-fg, #555); }
.session .peer-error { color: #a15c00; }
.player-option { display: flex; gap: 0.4rem; align-items: center; font-size: 0.85em; }
.player-option[hidden] { display: none; }
.player-option { flex-wrap: wrap; }
.subtitle-add { cursor: pointer; text-decoration: underline; }
.subtitle-add input { width: 0.1px; height: 0.1px; opacity: 0; position: absolute; }
.subtitle-add:focus-within { outline: 2px solid var(--wt-accent, #0b6bcb); outline-offset: 2px; }
`;
