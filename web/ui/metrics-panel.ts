// Streaming metrics as a toolbar panel (DCV's "Streaming metrics"), out of the screen's way: frame rate,
// latency, round trip and bandwidth as current / average / peak, refreshed each second while it is open.
import { S } from '../strings.js';
import { formatBitrate, formatFps, formatMs, type Series, type Stats } from './stats.js';
import type { ToolbarPanelSpec } from './toolbar.js';

export interface MetricsSource {
  readonly stats: Stats;
  /** Screen size, codec and where decoding runs, one line. */
  describe(): { screen: string; codec: string; frames: number };
}

export function metricsPanel(source: MetricsSource): ToolbarPanelSpec {
  let timer: ReturnType<typeof setInterval> | undefined;
  let table: HTMLTableElement;
  let facts: HTMLElement;
  const rows: { series: () => Series; format: (v: number | undefined) => string; cells: HTMLElement[] }[] =
    [];
  const refresh = (): void => {
    for (const r of rows) {
      const s = r.series();
      r.cells[0]!.textContent = r.format(s.current);
      r.cells[1]!.textContent = r.format(s.average);
      r.cells[2]!.textContent = r.format(s.peak);
    }
    const d = source.describe();
    facts.replaceChildren(
      ...[
        [S.metricScreen, d.screen],
        [S.metricCodec, d.codec],
        [S.metricFrames, String(d.frames)],
      ].flatMap(([k, v]) => {
        const dt = document.createElement('dt');
        dt.textContent = k!;
        const dd = document.createElement('dd');
        dd.textContent = v!;
        return [dt, dd];
      }),
    );
  };
  return {
    id: 'metrics',
    label: S.metrics,
    title: S.metricsTitle,
    icon: 'metrics',
    order: 60,
    mount(el) {
      table = document.createElement('table');
      table.className = 'metrics';
      const caption = document.createElement('caption');
      caption.textContent = S.metricsTitle;
      const head = table.createTHead().insertRow();
      for (const h of ['', S.metricCurrent, S.metricAverage, S.metricPeak]) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = h;
        head.appendChild(th);
      }
      const body = table.createTBody();
      const add = (name: string, series: () => Series, format: (v: number | undefined) => string): void => {
        const tr = body.insertRow();
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = name;
        tr.appendChild(th);
        const cells = [tr.insertCell(), tr.insertCell(), tr.insertCell()];
        rows.push({ series, format, cells });
      };
      add(S.metricFps, () => source.stats.fpsSeries, formatFps);
      add(S.metricLatency, () => source.stats.latencySeries, formatMs);
      add(S.metricRtt, () => source.stats.rttSeries, formatMs);
      add(S.metricBandwidth, () => source.stats.bandwidthSeries, formatBitrate);
      table.prepend(caption);
      facts = document.createElement('dl');
      facts.className = 'facts';
      el.append(table, facts);
    },
    onOpen() {
      refresh();
      timer = setInterval(refresh, 1000);
    },
    onClose() {
      clearInterval(timer);
    },
  };
}
