// Large loop nests run on every core: grad-outline-parallel moves them into
// functions over a slice of rows, grad-dispatch-parallel hands the calls to
// the runtime's gradc_parallel_for.
// RUN: %gradc dump %s --after=grad-outline-parallel | FileCheck %s --check-prefix=OUTLINE
// RUN: %gradc dump %s --after=llvm | FileCheck %s --check-prefix=DISPATCH

#identity = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0, d1) -> ()>
module attributes {grad.stage = "grad-gemm-to-runtime"} {
  // OUTLINE-LABEL: func.func @step
  // OUTLINE-SAME: (%[[W:.*]]: memref<256x256xf32>, %[[B:.*]]: memref<256xf32>, %[[LR:.*]]: memref<f32>, %[[ARENA:.*]]: memref<262144xi8>, %[[OUT:.*]]: memref<4x256xf32>)
  func.func @step(%w: memref<256x256xf32>, %b: memref<256xf32>, %lr: memref<f32>, %arena: memref<262144xi8>, %out: memref<4x256xf32>) {
    %zero = arith.constant 0 : index
    %g = memref.view %arena[%zero][] : memref<262144xi8> to memref<256x256xf32>
    %half = arith.constant 0.5 : f32
    // 65536 points: called over all 256 rows, with the arena itself (never
    // a view of it) as an argument.
    // OUTLINE: call @step_loop0(%{{.*}}, %{{.*}}, %[[ARENA]], %[[LR]], %[[W]])
    linalg.generic {indexing_maps = [#identity, #scalar, #identity], iterator_types = ["parallel", "parallel"]}
        ins(%g, %lr : memref<256x256xf32>, memref<f32>) outs(%w : memref<256x256xf32>) {
    ^bb0(%gi: f32, %rate: f32, %wi: f32):
      %step = arith.mulf %gi, %rate : f32
      %scaled = arith.mulf %step, %half : f32
      %next = arith.subf %wi, %scaled : f32
      linalg.yield %next : f32
    }
    // Too small to be worth a second thread: stays here.
    // OUTLINE: linalg.generic
    // OUTLINE-SAME: ins(%[[B]]
    linalg.generic {indexing_maps = [#row, #identity], iterator_types = ["parallel", "parallel"]}
        ins(%b : memref<256xf32>) outs(%out : memref<4x256xf32>) {
    ^bb0(%bi: f32, %gi: f32):
      linalg.yield %bi : f32
    }
    return
  }
  // The slice function rebuilds the view and takes rows [begin, end) of every
  // buffer the loop indexes by its first dimension; the scalar and the
  // hoisted constant come along whole.
  // OUTLINE: func.func private @step_loop0(%[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[A:.*]]: memref<262144xi8>, %{{.*}}: memref<f32>, %{{.*}}: memref<256x256xf32>) attributes {grad.parallel_body}
  // OUTLINE: %[[ROWS:.*]] = arith.subi %[[END]], %[[BEGIN]]
  // OUTLINE: arith.constant 5.000000e-01
  // OUTLINE: memref.view %[[A]]
  // OUTLINE: memref.subview %{{.*}}[%[[BEGIN]], 0] [%[[ROWS]], 256] [1, 1]
  // OUTLINE: linalg.generic
  // OUTLINE-SAME: memref<?x256xf32, strided<[256, 1], offset: ?>>, memref<f32>)

  // DISPATCH: llvm.func @gradc_parallel_for(!llvm.ptr, !llvm.ptr, i64, i64)
  // DISPATCH-LABEL: llvm.func @step
  // DISPATCH: %[[BUFFERS:.*]] = llvm.alloca %{{.*}} x !llvm.array<3 x ptr>
  // DISPATCH: %[[THUNK:.*]] = llvm.mlir.addressof @step_loop0_slice
  // DISPATCH: llvm.call @gradc_parallel_for(%[[THUNK]], %[[BUFFERS]], %{{.*}}, %{{.*}})
  // DISPATCH-NOT: llvm.call @step_loop0(
  // DISPATCH: llvm.func internal @step_loop0_slice(%[[ARRAY:.*]]: !llvm.ptr, %[[FROM:.*]]: i64, %[[TO:.*]]: i64)
  // DISPATCH-COUNT-3: llvm.load
  // DISPATCH: llvm.call @step_loop0(%[[FROM]], %[[TO]],
}
