// grad-outline-parallel threads more than loops that start parallel: large
// fills of constants and transposes become loops, and a loop nest whose first
// parallel loop is inside a reduction (a convolution's bias gradient: a sum
// over batch, height and width per channel) has that loop moved outermost,
// the reductions keeping their order. A parallel loop that is innermost stays
// there, since it walks contiguous memory.
// RUN: %gradc dump %s --after=grad-outline-parallel | FileCheck %s

#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d1)>
#rows = affine_map<(d0, d1) -> (d0, d1)>
#column = affine_map<(d0, d1) -> (d1)>
module attributes {grad.stage = "grad-gemm-to-runtime"} {
  // CHECK-LABEL: func.func @step
  func.func @step(%x: memref<64x6x28x28xf32>, %t: memref<64x28x28x6xf32>, %sums: memref<6xf32>, %m: memref<2048x64xf32>, %columns: memref<64xf32>) {
    %zero = arith.constant 0.0 : f32
    // CHECK-NOT: linalg.fill ins(%{{.*}} : f32) outs(%arg0
    // CHECK: call @step_loop0(%{{.*}}, %c64{{.*}}, %arg0)
    linalg.fill ins(%zero : f32) outs(%x : memref<64x6x28x28xf32>)
    // CHECK: call @step_loop1(%{{.*}}, %c64{{.*}}, %arg0, %arg1)
    linalg.transpose ins(%x : memref<64x6x28x28xf32>) outs(%t : memref<64x28x28x6xf32>) permutation = [0, 2, 3, 1]
    // CHECK: call @step_loop2(%{{.*}}, %c6{{.*}}, %arg0, %arg2)
    linalg.generic {indexing_maps = [#nchw, #channel], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
        ins(%x : memref<64x6x28x28xf32>) outs(%sums : memref<6xf32>) {
    ^bb0(%xi: f32, %sum: f32):
      %next = arith.addf %sum, %xi : f32
      linalg.yield %next : f32
    }
    // CHECK: linalg.generic
    // CHECK-SAME: iterator_types = ["reduction", "parallel"]
    linalg.generic {indexing_maps = [#rows, #column], iterator_types = ["reduction", "parallel"]}
        ins(%m : memref<2048x64xf32>) outs(%columns : memref<64xf32>) {
    ^bb0(%mi: f32, %sum: f32):
      %next = arith.addf %sum, %mi : f32
      linalg.yield %next : f32
    }
    return
  }
  // CHECK: func.func private @step_loop0
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
  // CHECK-SAME: outs(%{{.*}} : memref<?x6x28x28xf32
  // CHECK-NEXT: ^bb0(%{{.*}}: f32):
  // CHECK-NEXT: linalg.yield %cst
  // CHECK: func.func private @step_loop1
  // CHECK: memref.subview %arg3[%arg0, 0, 0, 0] [%{{.*}}, 28, 28, 6]
  // The channel loop outermost, sliced: the images along their second
  // dimension, the sums along their only one.
  // CHECK: func.func private @step_loop2
  // CHECK-DAG: memref.subview %arg2[0, %arg0, 0, 0] [64, %{{.*}}, 28, 28]
  // CHECK-DAG: memref.subview %arg3[%arg0] [%{{.*}}] [1]
  // CHECK: linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "reduction", "reduction", "reduction"]
}
