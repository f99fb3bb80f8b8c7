// The dashboard's view model: the portfolio heat map (architecture layer × risk level), what needs
// attention (no contract, no assessment, reviews overdue, open changes, packages awaiting the
// viewer's signature), the latest runs and the audit trail's last signed checkpoint.
import { LAYERS } from '../registry/registry-models.js';
import type { RegistryViews } from '../registry/interface-service.js';

export const RISK_COLUMNS = ['high', 'medium', 'low', 'unassessed'] as const;

const LAYER_TITLES: Record<string, string> = {
  'source-system': 'Source systems',
  'integration-platform': 'Integration platform',
  'event-streaming': 'Event streaming',
  'data-hub-master-data': 'Data hub / master data',
  'visibility-control-tower': 'Visibility / control tower',
};

const RISK_TITLES: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low', unassessed: 'Not assessed' };

export function layerTitle(layer: string): string {
  return LAYER_TITLES[layer] ?? layer;
}

export function riskTitle(level: string | null): string {
  return RISK_TITLES[level ?? 'unassessed'] ?? String(level);
}

export interface HeatCell {
  x: number;
  y: number;
  count: number;
  href: string;
  label: string;
  fillClass: string;
  textX: number;
  textY: number;
}

/**
 * The heat map as SVG geometry: one cell per layer × level, each a link into the filtered
 * interface list. The count is written in every cell and each link names its layer, level and
 * count, so nothing depends on telling the colours apart.
 */
export function heatMapOf(views: RegistryViews) {
  const left = 190;
  const top = 34;
  const cellWidth = 96;
  const cellHeight = 44;
  const gap = 4;
  const columns = RISK_COLUMNS.map((level, index) => ({ label: riskTitle(level), x: left + index * (cellWidth + gap) + cellWidth / 2 }));
  const rows = LAYERS.map((layer, rowIndex) => {
    const y = top + rowIndex * (cellHeight + gap);
    const cells: HeatCell[] = RISK_COLUMNS.map((level, columnIndex) => {
      const count = views.portfolio[layer]?.[level] ?? 0;
      const x = left + columnIndex * (cellWidth + gap);
      return {
        x,
        y,
        count,
        href: `/interfaces?layer=${encodeURIComponent(layer)}&riskLevel=${encodeURIComponent(level)}&status=live`,
        label: `${layerTitle(layer)}, ${riskTitle(level).toLowerCase()} risk: ${count} interface${count === 1 ? '' : 's'}`,
        fillClass: count === 0 ? 'heat-empty' : `heat-${level}`,
        textX: x + cellWidth / 2,
        textY: y + cellHeight / 2 + 6,
      };
    });
    return { label: layerTitle(layer), labelY: y + cellHeight / 2 + 5, cells };
  });
  return { width: left + RISK_COLUMNS.length * (cellWidth + gap), height: top + LAYERS.length * (cellHeight + gap), cellWidth, cellHeight, columns, rows };
}
