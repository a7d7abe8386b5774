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

  // CHECK-LABEL: func.func @softmax
  func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // The maximum is subtracted before exp, so large logits cannot overflow.
    // CHECK: linalg.fill ins(%{{.*}} : f32)
    // CHECK: linalg.generic
    // CHECK-SAME: iterator_types = ["parallel", "reduction"]
    // CHECK: arith.maximumf
    // CHECK: arith.subf
    // CHECK: math.exp
    // CHECK: arith.divf
    %s = grad.softmax %x : tensor<4x8xf32>
    return %s : tensor<4x8xf32>
  }

  // CHECK-LABEL: func.func @reduce_keepdims
  func.func @reduce_keepdims(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
    // CHECK: linalg.generic
    // CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 1]
    %m = grad.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf32> -> tensor<4x1xf32>
    return %m : tensor<4x1xf32>
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
  // CHECK-NOT: grad.
}
