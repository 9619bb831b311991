/** Spelling token ids for the page (the logit lens's predictions), kept free of runtime imports so the fake engine can share it. */

/** The text of each distinct id among `ids` and `targets`, by `decode` (one id at a time); an id `decode` cannot spell (null) is left out. */
export function spellIds(ids: ArrayLike<number>, targets: readonly number[] | null, decode: (ids: readonly number[]) => string | null): Record<number, string> {
  const out: Record<number, string> = {};
  const add = (id: number) => {
    if (id in out) return;
    const text = decode([id]);
    if (text !== null) out[id] = text;
  };
  for (let i = 0; i < ids.length; i++) add(ids[i]);
  if (targets) for (const t of targets) add(t);
  return out;
}
