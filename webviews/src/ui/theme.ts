// Reads VS Code's theme variables so charts follow the user's colour theme. Canvas drawing
// cannot use CSS variables directly, so colours are resolved to strings at draw time.

const FALLBACK: Record<string, string> = {
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-editor-background': '#1e1e1e',
  '--vscode-font-family': 'system-ui, sans-serif',
};

export function cssVar(name: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || FALLBACK[name] || '';
}

/** Series colours in a stable order; metric pairs (loss/val_loss) take neighbouring hues. */
export function palette(): string[] {
  return ['blue', 'orange', 'green', 'red', 'purple', 'yellow'].map((c) => cssVar(`--vscode-charts-${c}`));
}

/** A colour with alpha, for fills and heat-map cells; accepts #rgb, #rrggbb and rgb(). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const s = hex[1].length === 3 ? hex[1].split('').map((c) => c + c).join('') : hex[1];
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1].split(',').map((x) => x.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

/** A class's colour on detection pages: its index in the palette, the same on every view. */
export function classColor(index: number): string {
  const colors = palette();
  return colors[index % colors.length];
}
