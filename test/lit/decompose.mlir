// grad-decompose: composite ops become simpler grad ops after autodiff, so
// CSE and fusion see their parts.
// RUN: %gradc dump %s --after=grad-decompose | FileCheck %s

module attributes {grad.stage = "grad-optimizer"} {
  // CHECK-LABEL: func.func @softmax
  func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // The maximum is subtracted before exp, so large logits cannot overflow;
    // the row sum is spread over the row only to divide.
    // CHECK: %[[MAX:.*]] = grad.reduce_max %arg0 {axes = array<i64: 1>, keepdims = true}
    // CHECK: %[[SPREAD:.*]] = grad.broadcast %[[MAX]]
    // CHECK: %[[SHIFTED:.*]] = grad.sub %arg0, %[[SPREAD]]
    // CHECK: %[[E:.*]] = grad.exp %[[SHIFTED]]
    // CHECK: %[[SUM:.*]] = grad.reduce_sum %{{.*}} {axes = array<i64: 1>, keepdims = true}
    // CHECK: %[[TOTAL:.*]] = grad.broadcast %[[SUM]]
    // CHECK: grad.div %[[E]], %[[TOTAL]]
    %s = grad.softmax %x : tensor<4x8xf32>
    return %s : tensor<4x8xf32>
  }

  // log(sum) is taken per row, before the broadcast.
  // CHECK-LABEL: func.func @log_softmax
  func.func @log_softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    // CHECK: %[[SUM:.*]] = grad.reduce_sum
    // CHECK: %[[LOG:.*]] = grad.log %[[SUM]] : tensor<4x1xf32>
    // CHECK: grad.broadcast %[[LOG]]
    %s = grad.log_softmax %x : tensor<4x8xf32>
    return %s : tensor<4x8xf32>
  }

  // A mean is a sum times a constant.
  // CHECK-LABEL: func.func @mean
  func.func @mean(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
    // CHECK: %[[SUM:.*]] = grad.reduce_sum %arg0 {axes = array<i64: 1>, keepdims = true}
    // CHECK: grad.mul %[[SUM]], %{{.*}} : tensor<4x1xf32>
    %m = grad.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf32> -> tensor<4x1xf32>
    return %m : tensor<4x1xf32>
  }

  // Cross-entropy decomposes all the way down, through log_softmax.
  // CHECK-LABEL: func.func @cross_entropy
  func.func @cross_entropy(%x: tensor<4x8xf32>, %y: tensor<4xi32>) -> tensor<f32> {
    // CHECK: grad.one_hot %arg1
    // CHECK-NOT: grad.log_softmax
    // CHECK-NOT: grad.softmax_cross_entropy
    // CHECK: grad.neg
    %l = grad.softmax_cross_entropy %x, %y : tensor<4x8xf32>, tensor<4xi32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
