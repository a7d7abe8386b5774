// Windows over images lower to single loop nests: reads through affine maps
// into a padded copy (one loop writing the input at an offset into a filled
// tensor), reductions over the window offsets, and, for the adjoints, loops
// that add each window element back into the padded image element it read
// (parallel over the batch only, since windows overlap), then crop.
// RUN: %gradc dump %s --after=grad-to-linalg | FileCheck %s

// CHECK-DAG: #[[SHIFT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 + 1, d3 + 1)>
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[OFFSETS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OWN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[UNSHIFT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[PATCH:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 * 2 + d5)>
module attributes {grad.stage = "grad-fuse"} {
  // CHECK-LABEL: func.func @max_pool
  func.func @max_pool(%x: tensor<2x3x6x6xf32>) -> tensor<2x3x3x3xf32> {
    // The padding never wins: -inf.
    // CHECK: %[[LOWEST:.*]] = arith.constant 0xFF800000 : f32
    // CHECK: %[[FILLED:.*]] = linalg.fill ins(%[[LOWEST]] : f32) {{.*}} -> tensor<2x3x8x8xf32>
    // CHECK: %[[PADDED:.*]] = linalg.generic {{.*}}#[[SHIFT]]{{.*}} outs(%[[FILLED]]
    // CHECK: linalg.generic {indexing_maps = [#[[WINDOW]], #[[OFFSETS]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PADDED]]
    // CHECK: arith.maximumf
    %p = grad.max_pool2d %x {kernel = 3, stride = 2, padding = 1} : tensor<2x3x6x6xf32> -> tensor<2x3x3x3xf32>
    return %p : tensor<2x3x3x3xf32>
  }

  // CHECK-LABEL: func.func @max_pool_grad
  func.func @max_pool_grad(%x: tensor<2x3x6x6xf32>, %g: tensor<2x3x3x3xf32>) -> tensor<2x3x6x6xf32> {
    // First the offset of each window's first maximum (-1 until one is
    // seen), then each window adds its gradient at that offset.
    // CHECK: %[[MAXIMA:.*]]:2 = linalg.generic {indexing_maps = [#[[WINDOW]], #[[OFFSETS]], {{.*}}]
    // CHECK: arith.cmpf ogt
    // CHECK: arith.cmpf uno
    // CHECK: -> (tensor<2x3x3x3xf32>, tensor<2x3x3x3xi32>)
    // CHECK: %[[SUMS:.*]] = linalg.generic {indexing_maps = [#[[OWN]], #[[OWN]], #[[OFFSETS]], #[[WINDOW]]], iterator_types = ["parallel", "reduction", "reduction", "reduction", "reduction", "reduction"]} ins(%{{.*}}, %[[MAXIMA]]#1,
    // CHECK: arith.cmpi eq
    // CHECK: arith.select
    // CHECK: arith.addf
    // CHECK: -> tensor<2x3x8x8xf32>
    // CHECK: linalg.generic {indexing_maps = [#[[SHIFT]], #[[UNSHIFT]]], {{.*}} ins(%[[SUMS]] : tensor<2x3x8x8xf32>) outs(%{{.*}} : tensor<2x3x6x6xf32>)
    %dx = grad.max_pool2d_grad %x, %g {kernel = 3, stride = 2, padding = 1} : tensor<2x3x6x6xf32>, tensor<2x3x3x3xf32> -> tensor<2x3x6x6xf32>
    return %dx : tensor<2x3x6x6xf32>
  }

  // CHECK-LABEL: func.func @im2col
  func.func @im2col(%x: tensor<2x3x6x6xf32>) -> tensor<2x3x3x3x3x3xf32> {
    // CHECK: linalg.generic {indexing_maps = [#[[PATCH]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
    %c = grad.im2col %x {kernel = array<i64: 3, 3>, stride = 2, padding = 1} : tensor<2x3x6x6xf32> -> tensor<2x3x3x3x3x3xf32>
    return %c : tensor<2x3x3x3x3x3xf32>
  }
}
