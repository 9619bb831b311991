/**
 * Calibration profiles and the verdict (issue 12; docs/calibration.md): per model, a small versioned
 * JSON file fitted on labelled traces that turns a trace's scores into a calibrated P(correct), each
 * score's percentile, and a flag for inputs outside what the fit saw. Pure float64, shared by the app
 * and `cotk` (calibrate, batch, generate).
 */
export * from './types';
export { applyProfile, assignFolds, crossValidatedVerdict, fitProfile, fitRefusal, fitVerdictModel, heldOutMetrics, percentileOf, predictVerdict } from './fit';
export { FEATURE_DEFS, featureValue, KINETIC_FEATURES, keyOrientation, LOGIT_FEATURES, PROFILE_KEYS, V2_BARRIER, V2_KAPPA, v2Terms, VERDICT_FEATURES, type FeatureGroup } from './features';
export { applyIsotonic, fitIsotonic } from './isotonic';
export { checkProfileKey, describeKey, graphHash, profileKeyMismatch, profileKeyOf } from './key';
export { fitLogistic, sigmoid } from './logistic';
export { parseProfile, serializeProfile, validateProfile } from './parse';
export { LAYER_ABLATION } from './ablation';
