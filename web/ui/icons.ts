// The toolbar's icons: 24×24 SVG paths drawn with DOM calls (no markup strings, nothing inline for a
// Content-Security-Policy to refuse). A panel module may pass its own path data instead of a name here.

const PATHS = {
  keyboard: 'M3 6h18v12H3zM6 9h2M10 9h2M14 9h2M18 9h0M6 12h2M10 12h2M14 12h2M8 15h8',
  metrics: 'M4 20V10M10 20V4M16 20v-7M22 20H2',
  bell: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0',
  gear: 'M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8M12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2',
  people: 'M9 11a3 3 0 1 0 0-6a3 3 0 1 0 0 6M3 20a6 6 0 0 1 12 0M16 11a3 3 0 1 0 0-6M17 14a6 6 0 0 1 4 6',
  fullscreen: 'M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6',
  fit: 'M4 4h16v16H4zM9 9h6v6H9z',
  power: 'M12 3v9M6.3 6.3a8 8 0 1 0 11.4 0',
  hide: 'M6 15l6-6l6 6',
  show: 'M6 9l6 6l6-6',
  clipboard: 'M8 4h8v3H8zM6 5H4v16h16V5h-2',
  folder: 'M3 6h6l2 2h10v11H3z',
  display: 'M3 4h18v12H3zM8 20h8M12 16v4',
  sound: 'M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M19 6a8 8 0 0 1 0 12',
} as const;

export type IconName = keyof typeof PATHS;

const SVG = 'http://www.w3.org/2000/svg';

/** An icon for `name` (or raw path data), hidden from assistive technology: the button's text names it. */
export function icon(name: IconName | string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', name in PATHS ? PATHS[name as IconName] : name);
  svg.appendChild(path);
  return svg;
}
