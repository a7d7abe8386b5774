// After bufferization, matmuls become calls of the runtime's GEMM with the
// transposes as flags; a zero fill right before becomes overwrite mode.
// RUN: %gradc dump %s --after=grad-gemm-to-runtime | FileCheck %s
// RUN: %gradc dump %s --after=llvm | FileCheck %s --check-prefix=DISPATCH

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

  // The loop right after a GEMM that reads its output row by row becomes
  // its epilogue: a row-slice function the runtime runs on each block of
  // rows the GEMM finishes.
  // CHECK-LABEL: func.func @layer
  func.func @layer(%x: memref<4x8xf32>, %w: memref<8x2xf32>, %b: memref<2xf32>, %arena: memref<256xi8>, %y: memref<4x2xf32>, %v: memref<2x2xf32>) {
    %zero = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %z = memref.view %arena[%c0][] : memref<256xi8> to memref<4x2xf32>
    // CHECK: call @gradc_matmul_f32(
    // CHECK-NEXT: %[[ROWS:.*]] = arith.constant 4 : index
    // CHECK-NEXT: call @layer_loop0(%{{.*}}, %[[ROWS]], %arg3, %arg2, %arg4)
    linalg.fill ins(%zero : f32) outs(%z : memref<4x2xf32>)
    linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x2xf32>) outs(%z : memref<4x2xf32>)
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%z, %b : memref<4x2xf32>, memref<2xf32>) outs(%y : memref<4x2xf32>) {
    ^bb0(%zi: f32, %bi: f32, %yi: f32):
      %sum = arith.addf %zi, %bi : f32
      %relu = arith.maximumf %sum, %zero : f32
      linalg.yield %relu : f32
    }
    // An epilogue may not write what the product reads: this loop
    // overwrites the GEMM's lhs, which another thread may still be reading.
    // CHECK: call @gradc_matmul_f32(
    // CHECK-NEXT: linalg.generic
    linalg.matmul ins(%y, %v : memref<4x2xf32>, memref<2x2xf32>) outs(%z : memref<4x2xf32>)
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%z : memref<4x2xf32>) outs(%y : memref<4x2xf32>) {
    ^bb0(%zi: f32, %yi: f32):
      linalg.yield %zi : f32
    }
    return
  }
  // CHECK: func.func private @layer_loop0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<256xi8>, %{{.*}}: memref<2xf32>, %{{.*}}: memref<4x2xf32>) attributes {grad.gemm_epilogue, grad.parallel_body}

  // After the LLVM lowering the GEMM and its epilogue are one runtime call.
  // DISPATCH-LABEL: llvm.func @layer
  // DISPATCH: %[[THUNK:.*]] = llvm.mlir.addressof @layer_loop0_slice
  // DISPATCH: llvm.call @gradc_matmul_epilogue_f32({{.*}}, %[[THUNK]], %{{.*}}) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32, i32, i32, !llvm.ptr, !llvm.ptr) -> ()
  // DISPATCH-NOT: llvm.call @layer_loop0(
  // DISPATCH: llvm.call @gradc_matmul_f32(
}
