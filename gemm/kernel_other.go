//go:build !amd64 || purego

package gemm

// avx2Kernel and sseKernel are nil: this build has no assembly kernels.
var avx2Kernel, sseKernel *kernel
