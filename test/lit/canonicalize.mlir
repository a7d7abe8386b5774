// Algebraic identities and shape-op compositions fold away.
// RUN: %gradc dump %s --after=canonicalize | FileCheck %s

module attributes {grad.stage = "import"} {
  // CHECK-LABEL: func.func @identities
  func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %zero = grad.constant dense<0.0> : tensor<2x3xf32>
    %one = grad.constant dense<1.0> : tensor<2x3xf32>
    %a = grad.add %x, %zero : tensor<2x3xf32>
    %b = grad.mul %one, %a : tensor<2x3xf32>
    %c = grad.div %b, %one : tensor<2x3xf32>
    %d = grad.sub %c, %zero : tensor<2x3xf32>
    %e = grad.neg %d : tensor<2x3xf32>
    %f = grad.neg %e : tensor<2x3xf32>
    // CHECK-NEXT: return %arg0
    return %f : tensor<2x3xf32>
  }

  // CHECK-LABEL: func.func @shapes
  func.func @shapes(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>) {
    %t1 = grad.transpose %x : tensor<2x3xf32> -> tensor<3x2xf32>
    %t2 = grad.transpose %t1 : tensor<3x2xf32> -> tensor<2x3xf32>
    // CHECK: %[[R:.*]] = grad.reshape %arg0 {shape = array<i64: 3, 2>} : tensor<2x3xf32> -> tensor<3x2xf32>
    %r1 = grad.reshape %x {shape = array<i64: 6>} : tensor<2x3xf32> -> tensor<6xf32>
    %r2 = grad.reshape %r1 {shape = array<i64: 3, 2>} : tensor<6xf32> -> tensor<3x2xf32>
    %same = grad.broadcast %x {shape = array<i64: 2, 3>} : tensor<2x3xf32> -> tensor<2x3xf32>
    // CHECK-NEXT: return %arg0, %[[R]], %arg0
    return %t2, %r2, %same : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x3xf32>
  }
}
