// Each grad op lowers through its interface: elementwise ops to one
// linalg.generic around their scalar body, the rest to linalg ops or to
// simpler grad ops lowered in turn.
// RUN: %gradc dump %s --after=grad-to-linalg | FileCheck %s

module attributes {grad.stage = "grad-fuse"} {
  // CHECK-LABEL: func.func @elementwise
  func.func @elementwise(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // CHECK: linalg.generic
    // CHECK-SAME: iterator_types = ["parallel", "parallel"]
    // CHECK: arith.addf
    %s = grad.add %x, %y : tensor<4x8xf32>
    // CHECK: linalg.generic
    // CHECK: arith.maximumf %{{.*}}, %cst
    %r = grad.relu %s : tensor<4x8xf32>
    return %r : tensor<4x8xf32>
  }

  // CHECK-LABEL: func.func @matmuls
  func.func @matmuls(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>, %c: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<8x2xf32>, tensor<4x8xf32>) {
    // CHECK: linalg.fill
    // CHECK: linalg.matmul ins
    %p = grad.matmul %a, %b : tensor<4x8xf32>, tensor<8x2xf32> -> tensor<4x2xf32>
    // CHECK: linalg.matmul_transpose_a
    %ta = grad.matmul %a, %c {transpose_lhs = true} : tensor<4x8xf32>, tensor<4x2xf32> -> tensor<8x2xf32>
    // CHECK: linalg.matmul_transpose_b
    %tb = grad.matmul %c, %b {transpose_rhs = true} : tensor<4x2xf32>, tensor<8x2xf32> -> tensor<4x8xf32>
    return %p, %ta, %tb : tensor<4x2xf32>, tensor<8x2xf32>, tensor<4x8xf32>
  }

  // A fused group is one loop nest; its broadcast input is read through an
  // indexing map and its constant is a scalar.
  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
    // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BROADCAST:.*]], #{{.*}}]
    // CHECK: arith.addf
    // CHECK: arith.maximumf
    // CHECK: arith.mulf %{{.*}}, %cst
    // CHECK-NOT: linalg.generic
    %r = grad.fused(%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
    ^bb0(%a0: tensor<4x8xf32>, %a1: tensor<8xf32>):
      %two = grad.constant dense<2.0> : tensor<4x8xf32>
      %bb = grad.broadcast %a1 {shape = array<i64: 4, 8>} : tensor<8xf32> -> tensor<4x8xf32>
      %s = grad.add %a0, %bb : tensor<4x8xf32>
      %t = grad.relu %s : tensor<4x8xf32>
      %u = grad.mul %t, %two : tensor<4x8xf32>
      grad.yield %u : tensor<4x8xf32>
    }
    return %r : tensor<4x8xf32>
  }

  // A fused group with a reduction: one generic with two outputs, the
  // stored values and the column sums accumulated from the same elements,
  // in f64 for an f32 sum; a small loop rounds the sums back to f32.
  // CHECK-LABEL: func.func @fused_reduction
  func.func @fused_reduction(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<1x8xf32>) {
    // CHECK: %[[ZERO:.*]] = linalg.fill
    // CHECK: %[[R:.*]]:2 = linalg.generic
    // CHECK-SAME: iterator_types = ["reduction", "parallel"]
    // CHECK-SAME: outs(%{{.*}}, %[[ZERO]] : tensor<4x8xf32>, tensor<8xf64>)
    // CHECK: %[[P:.*]] = arith.mulf
    // CHECK: %[[WIDE:.*]] = arith.extf %[[P]] : f32 to f64
    // CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[WIDE]] : f64
    // CHECK: linalg.yield %[[P]], %[[S]]
    // CHECK: %[[ROUNDED:.*]] = linalg.generic {{.*}} ins(%[[R]]#1 : tensor<8xf64>)
    // CHECK: arith.truncf
    // CHECK-NOT: linalg.generic
    // CHECK: tensor.expand_shape %[[ROUNDED]]
    %r:2 = grad.fused(%x, %y) : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<1x8xf32>) {
    ^bb0(%a0: tensor<4x8xf32>, %a1: tensor<4x8xf32>):
      %p = grad.mul %a0, %a1 : tensor<4x8xf32>
      %s = grad.reduce_sum %p {axes = array<i64: 0>, keepdims = true} : tensor<4x8xf32> -> tensor<1x8xf32>
      grad.yield %p, %s : tensor<4x8xf32>, tensor<1x8xf32>
    }
    return %r#0, %r#1 : tensor<4x8xf32>, tensor<1x8xf32>
  }
  // CHECK-NOT: grad.
}
