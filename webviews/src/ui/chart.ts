// Line charts on uPlot: small, fast on growing series, canvas-based. One helper builds a
// themed chart and keeps it sized to its container; pages call `update` as data grows.

import uPlot from 'uplot';
import { cssVar, palette, withAlpha } from './theme';
import { h } from './dom';

export interface LineSeries {
  name: string;
  values: (number | null)[];
  /** Dashed lines mark validation curves next to their training curve. */
  dashed?: boolean;
  color?: string;
}

export interface LineChartInput {
  title: string;
  x: number[];
  xLabel: string;
  series: LineSeries[];
  /** Learning rates span decades; a log axis shows schedules better. */
  logY?: boolean;
  /** Ticks only at whole x values (epochs). */
  integerX?: boolean;
}

export interface LineChart {
  element: HTMLElement;
  update(input: LineChartInput): void;
  /** Number of series and points currently drawn (reported back to the extension). */
  counts(): { series: number; points: number };
  destroy(): void;
}

function seriesKey(input: LineChartInput): string {
  return `${input.logY ? 'log' : 'lin'}|${input.series.map((s) => s.name).join(',')}`;
}

export function lineChart(input: LineChartInput): LineChart {
  const element = h('section', { class: 'chart' }, h('h3', {}, input.title));
  const host = h('div', { class: 'chart-canvas' });
  element.appendChild(host);
  let plot: uPlot | undefined;
  let key = '';
  let current = input;

  const build = (): void => {
    plot?.destroy();
    const fg = cssVar('--vscode-foreground');
    const grid = withAlpha(cssVar('--vscode-editorWidget-border') || '#888888', 0.6);
    const colors = palette();
    const font = `11px ${cssVar('--vscode-font-family')}`;
    const axis = (label: string): uPlot.Axis => ({ stroke: fg, label, labelFont: font, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } });
    const opts: uPlot.Options = {
      width: Math.max(240, host.clientWidth || 480),
      height: 220,
      scales: { x: { time: false }, y: current.logY ? { distr: 3 } : { auto: true } },
      axes: [
        // Epochs are whole numbers: no 2.5 ticks.
        { ...axis(current.xLabel), incrs: current.integerX ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] : undefined },
        { ...axis(''), size: 60, values: current.logY ? (_u: uPlot, splits: number[]) => splits.map((v) => (v > 0 ? v.toExponential(0) : '')) : undefined },
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: current.xLabel },
        ...current.series.map((s, i) => {
          const color = s.color ?? colors[i % colors.length];
          return {
            label: s.name,
            stroke: color,
            width: 2,
            dash: s.dashed ? [6, 4] : undefined,
            spanGaps: true,
            points: { show: current.x.length < 60, size: 5, fill: color },
          } satisfies uPlot.Series;
        }),
      ],
    };
    plot = new uPlot(opts, toData(current), host);
    key = seriesKey(current);
  };

  const toData = (c: LineChartInput): uPlot.AlignedData => {
    // A log axis cannot show zero or negative values: blank them instead of breaking the scale.
    const clean = (v: number | null): number | null => (v === null ? null : c.logY && v <= 0 ? null : v);
    return [c.x, ...c.series.map((s) => s.values.map(clean))] as uPlot.AlignedData;
  };

  // Build after insertion, when the container has a width.
  requestAnimationFrame(() => build());
  const resize = new ResizeObserver(() => {
    if (plot && host.clientWidth > 0 && Math.abs(plot.width - host.clientWidth) > 2) plot.setSize({ width: host.clientWidth, height: 220 });
  });
  resize.observe(host);

  return {
    element,
    update(next: LineChartInput): void {
      current = next;
      if (!plot || seriesKey(next) !== key) build();
      else plot.setData(toData(next));
    },
    counts(): { series: number; points: number } {
      return { series: current.series.length, points: current.series.reduce((a, s) => a + s.values.filter((v) => v !== null).length, 0) };
    },
    destroy(): void {
      resize.disconnect();
      plot?.destroy();
    },
  };
}

/** Waits until every pending chart build (scheduled for the next frame) has run. */
export function afterFrames(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}
