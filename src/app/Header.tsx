export function Header() {
  return (
    <header className="header">
      <h1>CoT-Kinetics Inspector</h1>
      <p className="tagline">Is this chain of thought sound? Read it inside the model, layer by layer.</p>
      <dl className="model-status" aria-label="Model">
        <dt>Model</dt>
        <dd>tiny-reasoner (bundled)</dd>
        <dt>Engine</dt>
        <dd data-testid="engine-status">not loaded</dd>
      </dl>
    </header>
  );
}
