// ml/sgd: Nielsen's network (network.ts) and the tfjs way for the same net (fit.ts).
export { Network, sigmoidPrime, type NetworkOptions, type Gradients } from "./network";
export { fit, nielsenSequential, quadraticCost, evaluateModel, type Model, type FitOptions, type FitHistory, type FitEpochResult, type StepResult } from "./fit";
export type { TrainingPair, TestPair } from "./data";
export type { SGDOptions, EpochResult, TrainingHistory } from "./live";
