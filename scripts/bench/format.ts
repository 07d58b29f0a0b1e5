// Number and table formatting for the bench report.

export const formatNumber = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";
/** A ratio, e.g. "0.87×". */
export const formatRatio = (n: number) => `${formatNumber(n, 2)}×`;
export const formatPercent = (share: number) => `${formatNumber(share * 100)}%`;
export const formatKib = (bytes: number) => `${formatNumber(bytes / 1024, 1)} KiB`;

export function markdownTable(header: string[], rows: string[][], align: string[] = header.map(() => "---")) {
  return [header, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
