// After bufferization, matmuls become calls of the runtime's GEMM with the
// transposes as flags; a zero fill right before becomes overwrite mode.
// RUN: %gradc dump %s --after=grad-gemm-to-runtime | FileCheck %s

module attributes {grad.stage = "buffer-deallocation"} {
  // CHECK: func.func private @gradc_matmul_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32, i32, i32)
  // CHECK-LABEL: func.func @gemms
  func.func @gemms(%a: memref<4x8xf32>, %b: memref<8x2xf32>, %c: memref<4x2xf32>, %d: memref<8x2xf32>) {
    %zero = arith.constant 0.0 : f32
    // CHECK-NOT: linalg.fill
    // CHECK: call @gradc_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c4_i64, %c2_i64, %c8_i64, %c0_i32, %c0_i32, %c0_i32)
    linalg.fill ins(%zero : f32) outs(%c : memref<4x2xf32>)
    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x2xf32>) outs(%c : memref<4x2xf32>)
    // Accumulating, with lhs transposed: d += a^T c.
    // CHECK: call @gradc_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c8_i64, %c2_i64, %c4_i64, %c1_i32, %c0_i32, %c1_i32)
    linalg.matmul_transpose_a ins(%a, %c : memref<4x8xf32>, memref<4x2xf32>) outs(%d : memref<8x2xf32>)
    return
  }
}
