import type { KeyboardEvent } from 'react';

interface TabsProps<T extends string> {
  readonly label: string;
  readonly tabs: readonly { readonly id: T; readonly label: string }[];
  readonly value: T;
  readonly onChange: (id: T) => void;
  /** Prefix of the tab and panel ids (`tab-<id>`, `panel-<id>` by default). */
  readonly idPrefix?: string;
}

/** ARIA tabs: one tab stop, arrow keys move between tabs (and select them), Home/End jump. */
export function Tabs<T extends string>({ label, tabs, value, onChange, idPrefix = '' }: TabsProps<T>) {
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === value);
    const go = (j: number) => {
      e.preventDefault();
      const t = tabs[(j + tabs.length) % tabs.length];
      onChange(t.id);
      document.getElementById(`${idPrefix}tab-${t.id}`)?.focus();
    };
    if (e.key === 'ArrowRight') go(i + 1);
    else if (e.key === 'ArrowLeft') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(tabs.length - 1);
  };
  return (
    <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKey}>
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`${idPrefix}tab-${t.id}`}
          aria-selected={value === t.id}
          aria-controls={`${idPrefix}panel-${t.id}`}
          tabIndex={value === t.id ? 0 : -1}
          onClick={() => onChange(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
