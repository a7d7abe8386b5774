// grad-fuse: elementwise chains become one grad.fused each. A value is
// stored only when an op other than an elementwise op or a reduction uses it,
// or when it is expensive and used twice; cheap ops are recomputed,
// broadcasts become part of the group, reductions join the group computing
// their input.
// RUN: %gradc dump %s --after=grad-fuse | FileCheck %s

module attributes {grad.stage = "cse"} {
  // CHECK-LABEL: func.func @policy
  func.func @policy(%x: tensor<4x8xf32>, %b: tensor<8xf32>, %w: tensor<8x8xf32>)
      -> (tensor<4x8xf32>, tensor<4x8xf32>) {
    %bb = grad.broadcast %b {shape = array<i64: 4, 8>} : tensor<8xf32> -> tensor<4x8xf32>
    // The cheap bias add is used twice: recomputed in both groups.
    %pre = grad.add %x, %bb : tensor<4x8xf32>
    // exp is expensive and used twice: stored once, in its own group.
    // CHECK: %[[E:.*]] = grad.fused(%arg0, %arg1)
    // CHECK-NEXT: ^bb0
    // CHECK-NEXT: grad.broadcast
    // CHECK-NEXT: grad.add
    // CHECK-NEXT: grad.exp
    // CHECK-NEXT: grad.yield
    %e = grad.exp %pre : tensor<4x8xf32>
    // CHECK: %[[A:.*]] = grad.fused(%[[E]], %arg0, %arg1)
    // CHECK: grad.relu
    // CHECK: grad.mul
    %r = grad.relu %pre : tensor<4x8xf32>
    %a = grad.mul %r, %e : tensor<4x8xf32>
    // A matmul operand is stored: the group ends there.
    // CHECK: grad.matmul %[[A]], %arg2
    %m = grad.matmul %a, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
    // A lone op with nothing to absorb stays as it is.
    // CHECK: grad.sub %{{.*}}, %[[E]]
    %d = grad.sub %m, %e : tensor<4x8xf32>
    return %d, %e : tensor<4x8xf32>, tensor<4x8xf32>
  }

  // A sum of an inlined chain ends that chain's group: the squared error is
  // never stored.
  // CHECK-LABEL: func.func @sum_of_chain
  func.func @sum_of_chain(%p: tensor<4x8xf32>, %t: tensor<4x8xf32>) -> tensor<4xf32> {
    // CHECK: %[[S:.*]] = grad.fused(%arg0, %arg1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4xf32>
    // CHECK: grad.sub
    // CHECK-NEXT: grad.mul
    // CHECK-NEXT: grad.reduce_sum
    // CHECK-NEXT: grad.yield
    // CHECK: return %[[S]]
    %e = grad.sub %p, %t : tensor<4x8xf32>
    %sq = grad.mul %e, %e : tensor<4x8xf32>
    %s = grad.reduce_sum %sq {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
    return %s : tensor<4xf32>
  }

  // A bias gradient: the GEMM needs the stored value, and its column sum is
  // accumulated in the same loop that stores it (a second result).
  // CHECK-LABEL: func.func @bias_gradient
  func.func @bias_gradient(%g: tensor<4x8xf32>, %z: tensor<4x8xf32>, %w: tensor<8x8xf32>)
      -> (tensor<4x8xf32>, tensor<8xf32>) {
    // CHECK: %[[D:.*]]:2 = grad.fused(%arg0, %arg1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>)
    // CHECK: grad.step
    // CHECK-NEXT: grad.mul
    // CHECK-NEXT: grad.reduce_sum
    // CHECK-NEXT: grad.yield
    // CHECK: grad.matmul %[[D]]#0, %arg2
    // CHECK: return %{{.*}}, %[[D]]#1
    %mask = grad.step %z : tensor<4x8xf32>
    %d = grad.mul %g, %mask : tensor<4x8xf32>
    %db = grad.reduce_sum %d {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
    %dx = grad.matmul %d, %w {transpose_rhs = true} : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
    return %dx, %db : tensor<4x8xf32>, tensor<8xf32>
  }

  // Reductions over different axes cannot share a loop nest; a reduction of
  // a function argument has nothing to fuse with.
  // CHECK-LABEL: func.func @different_axes
  func.func @different_axes(%x: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<8xf32>, tensor<f32>) {
    // CHECK: %[[E:.*]]:2 = grad.fused(%arg0)
    // CHECK: grad.reduce_sum %[[E]]#0 {axes = array<i64: 0>}
    // CHECK: grad.reduce_max %arg0
    %e = grad.exp %x : tensor<4x8xf32>
    %rows = grad.reduce_sum %e {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
    %cols = grad.reduce_sum %e {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
    %m = grad.reduce_max %x : tensor<4x8xf32> -> tensor<f32>
    return %rows, %cols, %m : tensor<4xf32>, tensor<8xf32>, tensor<f32>
  }
}
