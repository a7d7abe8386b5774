// grad-fuse: elementwise chains become one grad.fused each. A value is
// stored only when a non-elementwise op uses it, or when it is expensive and
// used twice; cheap ops are recomputed, broadcasts become part of the group.
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
}
