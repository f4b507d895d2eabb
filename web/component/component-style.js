// The styles of <watch-together>'s Shadow DOM: isolated from the host page's, themable through
// CSS custom properties. Layout: the player on top (70 % of the element's height when the host
// gives it one), the sessions' status and the share control below; one column at a phone's width.
import { SESSION_LINE_CSS } from './session-line-style.js';

export const COMPONENT_CSS = `
:host {
  display: block; box-sizing: border-box; height: 100%; overflow: hidden;
  font: var(--wt-font, 14px/1.4 system-ui, sans-serif); color: var(--wt-fg, #1d1d1f);
  background: var(--wt-bg, #fff); border-radius: var(--wt-radius, 8px);
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button, .share, summary {
  font: inherit; border: 1px solid var(--wt-accent, #0b6bcb); border-radius: 6px; padding: 0.3rem 0.7rem;
  background: var(--wt-bg, #fff); color: var(--wt-accent, #0b6bcb); cursor: pointer;
}
button:focus-visible, .share:focus-within, summary:focus-visible, input:focus-visible, select:focus-visible {
  outline: 2px solid var(--wt-accent, #0b6bcb); outline-offset: 2px;
}
button.accept, button.end, #invite { background: var(--wt-accent, #0b6bcb); color: #fff; }
.bar { padding: 0.5rem; }
.share { display: inline-flex; gap: 0.4rem; align-items: center; }
.share input { width: 0.1px; height: 0.1px; opacity: 0; position: absolute; }
.screen { display: flex; flex-direction: column; height: 100%; }
#player-box { flex: 0 0 70%; min-height: 0; display: flex; flex-direction: column; background: #000; }
#player-box video { flex: 1; min-height: 0; width: 100%; background: #000; }
#player-box p, #player-box .player-option { margin: 0; padding: 0.2rem 0.5rem; color: #ddd; background: #111; font-size: 0.85em; }
.sessions { flex: 1 1 auto; overflow: auto; list-style: none; margin: 0; padding: 0.4rem 0.6rem; }
.session { margin: 0.3rem 0; display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
.session progress { flex: 1 1 8rem; }
.session .headline { flex-basis: 100%; font-weight: 600; }
.transfer { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; width: 100%; }
.transfer-progress, .mono { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
.check-box { border: 1px solid #d8a000; border-radius: 6px; padding: 0.4rem; width: 100%; }
#invite-form { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; padding: 0.4rem 0.6rem; border-top: 1px solid var(--wt-muted, #ddd); }
#invite-form #mode { display: none; }
.settings summary { display: inline-block; }
.error { color: #b00020; margin: 0.3rem 0.6rem; }
${SESSION_LINE_CSS}
@media (max-width: 480px) {
  #player-box { flex-basis: auto; }
  .session button { flex: 1 1 auto; }
}
`;
