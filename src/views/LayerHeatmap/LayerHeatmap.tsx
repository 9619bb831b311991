import { useCallback, useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { selectToken, setHover, setLayer, setSpan } from '../../state/actions';
import type { RunView } from '../../state/derive';
import { selectActive, selectLayer, selectSelected, selectSpan } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt, tokenLabel } from '../shared/format';
import { Legend } from '../shared/Legend';
import { HEAT } from '../shared/palette';
import { useCanvas } from '../shared/useCanvas';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { heatmapVector } from '../shared/chartExport';
import { cellAt, cellRect, heatLayout, rowOfLayer, type HeatLayout, type HeatMetric, type HeatScale } from './layout';

interface LayerRow {
  readonly layer: number;
  readonly mean: number;
  readonly max: number;
  readonly argmax: number;
}

function layerStats(l: HeatLayout): LayerRow[] {
  return Array.from({ length: l.rows }, (_, r) => {
    let s = 0;
    let k = 0;
    let max = -Infinity;
    let argmax = -1;
    for (let t = 0; t < l.tokens; t++) {
      const v = l.value(t, r);
      if (!Number.isFinite(v)) continue;
      s += v;
      k++;
      if (v > max) [max, argmax] = [v, t];
    }
    return { layer: r + l.firstLayer, mean: k ? s / k : NaN, max, argmax };
  });
}

function paint(ctx: CanvasRenderingContext2D, l: HeatLayout): void {
  if (l.tokens === 0 || l.rows === 0 || typeof ImageData === 'undefined') return;
  const off = document.createElement('canvas');
  off.width = l.tokens;
  off.height = l.rows;
  const octx = off.getContext('2d');
  if (!octx) return;
  octx.putImageData(new ImageData(l.image, l.tokens, l.rows), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, l.left, l.top, l.plotW, l.plotH);
}

export function LayerHeatmap({ view }: { readonly view: RunView }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [metric, setMetric] = useState<HeatMetric>('speed');
  const [scale, setScale] = useState<HeatScale>('layer');
  const [cell, setCell] = useState<{ token: number; row: number } | null>(null);
  const active = useStore(selectActive);
  const selected = useStore(selectSelected);
  const span = useStore(selectSpan);
  const layer = useStore(selectLayer);
  const layout = useMemo(() => heatLayout(view.rows, metric, scale, width), [view.rows, metric, scale, width]);
  const draw = useCallback((ctx: CanvasRenderingContext2D) => paint(ctx, layout), [layout]);
  const canvasRef = useCanvas(draw, layout.width, layout.height);
  const stats = useMemo(() => layerStats(layout), [layout]);
  const L = view.layers;
  const what = metric === 'speed' ? 'speed ‖v_l‖' : 'norm ‖R[l]‖';

  if (layout.rows === 0) {
    return (
      <ViewPanel title="Layer × token heatmap" testId="view-heatmap" caption={CAPTIONS.heatmap} summary="This run kept no per-layer states, so there is nothing to map.">
        <p className="note">No per-layer values for this run.</p>
      </ViewPanel>
    );
  }
  const at = (e: MouseEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    return cellAt(layout, e.clientX - r.left, e.clientY - r.top);
  };
  const col = (t: number) => ({ ...cellRect(layout, t, 0), height: layout.plotH });
  const shownRow = layer === null ? -1 : rowOfLayer(layout, layer);
  const onKey = (e: KeyboardEvent) => {
    const n = layout.tokens;
    const t = active ?? -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      setHover(Math.min(n - 1, Math.max(0, t + (e.key === 'ArrowRight' ? 1 : -1))));
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setLayer((layer ?? L) + (e.key === 'ArrowDown' ? 1 : -1), L);
    } else if (e.key === 'Enter' && active !== null) selectToken(active);
    else if (e.key === 'Escape') {
      setHover(null);
      setSpan(null);
    }
  };
  const hot = stats.reduce((a, s) => (s.mean > a.mean ? s : a), stats[0]);
  const columns: Column<LayerRow>[] = [
    { header: 'Layer', rowHeader: true, cell: (s) => s.layer },
    { header: `Mean ${what}`, cell: (s) => fmt(s.mean) },
    { header: 'Largest', cell: (s) => fmt(s.max) },
    { header: 'At token', cell: (s) => (s.argmax >= 0 ? `${s.argmax} “${tokenLabel(view.rows[s.argmax].text)}”` : '—') },
  ];
  const hoverText = cell
    ? `Token ${cell.token} “${tokenLabel(view.rows[cell.token]?.text ?? '')}”, layer ${cell.row + layout.firstLayer}: ${what} ${fmt(layout.value(cell.token, cell.row))}`
    : 'Point at a cell to read its value.';
  const controls = (
    <>
      <label className="inline">
        Show{' '}
        <select value={metric} onChange={(e) => setMetric(e.target.value as HeatMetric)}>
          <option value="speed">speed ‖v_l‖ per layer</option>
          <option value="norm">state norm ‖R[l]‖</option>
        </select>
      </label>
      <label className="inline">
        Colour range{' '}
        <select value={scale} onChange={(e) => setScale(e.target.value as HeatScale)}>
          <option value="layer">per layer</option>
          <option value="global">one log range</option>
        </select>
      </label>
    </>
  );
  return (
    <ViewPanel
      title="Layer × token heatmap"
      testId="view-heatmap"
      caption={CAPTIONS.heatmap}
      vector={() => heatmapVector(layout)}
      controls={controls}
      summary={`${what} of ${layout.tokens} tokens over ${layout.rows} layers. On average layer ${hot.layer} moves tokens most (mean ${fmt(hot.mean)}).`}
      table={<DataTable caption={`Per-layer ${what}: mean over tokens, and the token where it is largest`} columns={columns} rows={stats} rowKey={(s) => s.layer} />}
    >
      <div ref={ref} className="plot-wrap">
        <div className="plot-stack" style={{ width: layout.width, height: layout.height }}>
          <canvas ref={canvasRef} style={{ width: layout.width, height: layout.height }} aria-hidden="true" />
          <svg
            width={layout.width}
            height={layout.height}
            role="group"
            aria-roledescription="heatmap"
            aria-label="Layer by token heatmap: left and right arrows move along the tokens, up and down change the layer shown"
            tabIndex={0}
            className="plot-surface"
            onMouseMove={(e) => {
              const c = at(e);
              setCell(c);
              setHover(c?.token ?? null);
            }}
            onMouseLeave={() => {
              setCell(null);
              setHover(null);
            }}
            onClick={(e) => {
              const c = at(e);
              if (c) selectToken(c.token);
            }}
            onKeyDown={onKey}
          >
            {stats.map((s, r) =>
              r % Math.max(1, Math.ceil(12 / layout.cellH)) === 0 ? (
                <text key={s.layer} x={layout.left - 6} y={layout.top + (r + 0.5) * layout.cellH + 3} textAnchor="end" className="tick">
                  {s.layer}
                </text>
              ) : null,
            )}
            <text x={4} y={layout.height - 6} className="tick">
              layer ↓ · token →
            </text>
            {span && <rect className="span-shade" x={col(span[0]).x} width={col(span[1]).x + col(span[1]).width - col(span[0]).x} y={layout.top} height={layout.plotH} />}
            {shownRow >= 0 && <rect className="row-shown" x={layout.left} width={layout.plotW} {...{ y: layout.top + shownRow * layout.cellH, height: layout.cellH }} />}
            {selected !== null && selected < layout.tokens && <rect className="cursor-selected" data-testid="heat-selected" data-index={selected} {...col(selected)} />}
            {active !== null && active < layout.tokens && <rect className="cursor-active" data-testid="heat-cursor" data-index={active} {...col(active)} />}
          </svg>
        </div>
      </div>
      <p className="hover-readout">{hoverText}</p>
      <Legend
        label={scale === 'layer' ? `${what}, each layer on its own range` : `${what}, log range over all layers`}
        domain={scale === 'layer' ? [0, 1] : layout.ranges[0]}
        interpolator={HEAT}
        lowNote={scale === 'layer' ? '(layer’s lowest)' : ''}
        highNote={scale === 'layer' ? '(layer’s highest)' : ''}
      />
    </ViewPanel>
  );
}
