// The reference kernels work on float32 and float64 arrays alike: float64 runs are the ground truth of
// the finite-difference tests.
export type Floats = Float32Array | Float64Array;
