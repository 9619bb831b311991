/** Educator mode's plain-language captions for the compare view (one voice with src/views/captions.ts). */
export const COMPARE_CAPTIONS = {
  text:
    'The two chains of thought side by side, one reasoning step per row. Steps both runs wrote sit on the same row; a step only one run wrote leaves a gap in the other. Both texts are shaded on the same scale, so the same colour means the same energy in A and in B.',
  strips:
    'One column per token, left to right, for each run; the two strips share their height scale and their token axis, so a taller column is a higher value whichever run it is in, and a longer strip is a longer run.',
  scores:
    'Every score of both runs, and how far B is from A. Each score has a direction that is supposed to mean “more likely correct”: the last column says which run that score favours.',
  trajectories:
    'Both runs’ tokens moving through the model’s layers, squeezed into the same 2-D picture (one projection fitted on both runs), so where a path goes can be compared between the runs.',
} as const;
