// Summaries of the benchmarks' samples.

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const median = (values: number[]) => quantile(values, 0.5);

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
