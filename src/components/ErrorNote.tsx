/** An error as a sentence, next to what it concerns; role=alert so it is announced when it appears. */
export function ErrorNote({ message, testId }: { readonly message: string | null; readonly testId?: string }) {
  if (!message) return null;
  return (
    <p className="error-note" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
