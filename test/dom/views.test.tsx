import './setup';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COTK, reweightCotk } from '../../src/core/scores/index';
import { ResultsArea } from '../../src/app/ResultsArea';
import { useStore } from '../../src/state/store';
import { fmt } from '../../src/views/shared/format';
import { showRun } from './fixtures';

function token(i: number): HTMLElement {
  const el = document.getElementById(`tok-${i}`);
  if (!el) throw new Error(`no token ${i}`);
  return el;
}

describe('results views on a synthetic run', () => {
  it('draws every view, each with a heading', () => {
    render(<ResultsArea />);
    showRun();
    for (const name of ['Text', 'Confidence and scores', 'Trajectories through the layers', 'Energy strip', 'Layer × token heatmap', 'Method']) {
      expect(screen.getByRole('heading', { level: 3, name })).toBeTruthy();
    }
    expect(screen.queryByTestId('results-empty')).toBeNull();
    // the prompt is shown, muted, and the model's text is text (tags shown literally, not parsed as HTML)
    expect(screen.getByText('(12+7)*3=?')).toBeTruthy();
    expect(token(0).textContent).toBe('<think>');
    expect(document.querySelector('think')).toBeNull();
  });

  it('links hover across views: a token hovered in the text is highlighted in all the others', () => {
    render(<ResultsArea />);
    showRun();
    fireEvent.mouseOver(token(4));
    expect(useStore.getState().hover).toBe(4);
    expect(token(4).className).toContain('active');
    expect(token(3).className).not.toContain('active');
    const traj = screen.getByTestId('view-trajectories');
    const highlighted = traj.querySelectorAll('[data-active="true"]');
    expect(highlighted).toHaveLength(1);
    expect(highlighted[0].getAttribute('data-index')).toBe('4');
    expect(screen.getByTestId('strip-cursor').getAttribute('data-index')).toBe('4');
    expect(screen.getByTestId('heat-cursor').getAttribute('data-index')).toBe('4');
    expect(screen.getByTestId('token-detail').textContent).toContain('4 “=”');
    fireEvent.mouseLeave(screen.getByRole('listbox'));
    expect(screen.queryByTestId('strip-cursor')).toBeNull();
  });

  it('click-selects a token for every view, and a second click clears it', () => {
    render(<ResultsArea />);
    showRun();
    fireEvent.click(token(6));
    expect(token(6).getAttribute('aria-selected')).toBe('true');
    fireEvent.mouseLeave(screen.getByRole('listbox'));
    expect(screen.getByTestId('strip-selected').getAttribute('data-index')).toBe('6');
    expect(screen.getByTestId('heat-selected').getAttribute('data-index')).toBe('6');
    expect(screen.getByTestId('view-trajectories').querySelector('[data-index="6"][data-active="true"]')).not.toBeNull();
    fireEvent.click(token(6));
    expect(useStore.getState().selected).toBeNull();
  });

  it('moves through the tokens with the keyboard and selects with Enter', () => {
    render(<ResultsArea />);
    showRun();
    const list = screen.getByRole('listbox');
    list.focus();
    fireEvent.keyDown(list, { key: 'ArrowRight' });
    fireEvent.keyDown(list, { key: 'ArrowRight' });
    expect(list.getAttribute('aria-activedescendant')).toBe('tok-1');
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(useStore.getState().selected).toBe(1);
    // Shift+arrows in the energy strip select a span, which the text underlines
    const strip = within(screen.getByTestId('view-strip')).getByRole('group', { name: /Energy strip/ });
    fireEvent.keyDown(strip, { key: 'ArrowRight', shiftKey: true });
    fireEvent.keyDown(strip, { key: 'ArrowRight', shiftKey: true });
    expect(useStore.getState().span).toEqual([1, 3]);
    expect(token(2).className).toContain('in-span');
    expect(screen.getByTestId('view-strip').textContent).toContain('Span 1–3 selected');
    fireEvent.keyDown(strip, { key: 'Escape' });
    expect(useStore.getState().span).toBeNull();
  });

  it('recomputes the v1 energies on the page when γ moves, without an engine', () => {
    render(<ResultsArea />);
    const { events, result } = showRun();
    const v1 = () => within(screen.getByTestId('score-cotkEnergy')).getAllByRole('cell')[0].textContent;
    expect(v1()).toBe(fmt(result.scores.cotkEnergy));
    const headline = screen.getByTestId('trace-energy').textContent;
    expect(headline).toBe(fmt(result.scores[DEFAULT_COTK]));
    const slider = screen.getByLabelText(/γ, the weight of the kinetic term/);
    fireEvent.change(slider, { target: { value: '0.3' } });
    expect(useStore.getState().gamma).toBe(0.3);
    expect(screen.getByTestId('gamma-value').textContent).toBe('0.3');
    const r = events.filter((e) => e.segment === 'reasoning');
    const expected = reweightCotk(
      r.map((e) => e.kinetic),
      r.map((e) => e.curvature),
      0.3,
    ).traceEnergy;
    expect(v1()).toBe(fmt(expected));
    expect(fmt(expected)).not.toBe(fmt(result.scores.cotkEnergy));
    // v2 has no γ: the headline (the default formulation) stays when that is v2
    if (DEFAULT_COTK === 'cotkV2') expect(screen.getByTestId('trace-energy').textContent).toBe(headline);
    // the token readout follows too
    fireEvent.mouseOver(token(2));
    const e2 = 0.3 * events[2].kinetic + 0.7 * events[2].curvature;
    expect(screen.getByTestId('token-detail').textContent).toContain(fmt(e2));
  });

  it('steps the layer shown from the slider and the arrow keys on the plot', () => {
    render(<ResultsArea />);
    showRun({ layers: 3 });
    const slider = screen.getByLabelText(/Layer shown/) as HTMLInputElement;
    expect(slider.value).toBe('3');
    fireEvent.change(slider, { target: { value: '1' } });
    expect(useStore.getState().layer).toBe(1);
    const plot = within(screen.getByTestId('view-trajectories')).getByRole('group', { name: /Token paths/ });
    fireEvent.keyDown(plot, { key: 'ArrowRight' });
    expect(useStore.getState().layer).toBe(2);
    fireEvent.keyDown(plot, { key: 'ArrowRight' });
    fireEvent.keyDown(plot, { key: 'ArrowRight' });
    expect(useStore.getState().layer).toBe(3);
    expect(screen.getByTestId('view-trajectories').textContent).toContain('drawn up to layer 3');
  });

  it('says clearly when the run kept no states, and still draws the logit views', () => {
    render(<ResultsArea />);
    showRun({ states: false });
    expect(screen.getByTestId('trajectories-note').textContent).toMatch(/kept no hidden states/);
    expect(screen.getByTestId('view-heatmap').textContent).toMatch(/no per-layer states/);
    expect(screen.getByTestId('trace-energy').textContent).toBe('—');
    expect(within(screen.getByTestId('score-cotkEnergy')).getAllByRole('cell')[0].textContent).toBe('—');
    expect(screen.getByTestId('answer-confidence').textContent).toMatch(/%$/);
  });
});
