// Horizontal bar charts as standalone SVG, drawn by the harness itself (no plotting dependency):
// one group of bars per target, one bar per series.

export interface ChartGroup {
  label: string;
  values: number[];
}

export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  groups: ChartGroup[];
}

const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f'];
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderBarChart(chart: BarChart): string {
  const labelWidth = 150;
  const plotWidth = 480;
  const barHeight = 14;
  const groupGap = 12;
  const top = 48;
  const groupHeight = chart.series.length * barHeight + groupGap;
  const height = top + chart.groups.length * groupHeight + 20;
  const max = Math.max(...chart.groups.flatMap((group) => group.values.filter(Number.isFinite)), 1e-9);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 90}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escape(chart.title)}</text>`,
  ];
  chart.series.forEach((series, index) => {
    const x = labelWidth + index * 110;
    parts.push(`<rect x="${x}" y="28" width="10" height="10" fill="${COLORS[index % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="37">${escape(series)}</text>`);
  });
  chart.groups.forEach((group, groupIndex) => {
    const y0 = top + groupIndex * groupHeight;
    parts.push(
      `<text x="${labelWidth - 6}" y="${y0 + (chart.series.length * barHeight) / 2 + 4}" text-anchor="end">${escape(group.label)}</text>`,
    );
    group.values.forEach((value, index) => {
      const width = Number.isFinite(value) ? Math.max(1, (value / max) * plotWidth) : 0;
      const y = y0 + index * barHeight;
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[index % COLORS.length]}"/>`,
      );
      parts.push(
        `<text x="${labelWidth + width + 4}" y="${y + barHeight - 4}">${Number.isFinite(value) ? `${format(value)} ${escape(chart.unit)}` : 'n/a'}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}
