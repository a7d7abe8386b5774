// grad-autodiff differentiates a composite op without a VJP rule of its own
// (mse) through its decomposition: @m_gradients computes the loss from the
// parts and their gradients, while the forward entry keeps the composite op
// until grad-decompose.
// RUN: %gradc dump %s --after=grad-autodiff | FileCheck %s

module attributes {grad.stage = "import"} {
  func.func @m(%x: tensor<2x3xf64> {grad.input = "x"},
               %t: tensor<2x3xf64> {grad.label = "t"},
               %w: tensor<3x3xf64> {grad.param = "w", grad.init = {kind = "zeros"}})
      -> (tensor<f64> {grad.output = "loss"})
      attributes {grad.entry = "forward", grad.loss = "loss",
                  grad.optimizer = {kind = "sgd", lr = 0.1 : f64}} {
    %h = grad.matmul %x, %w : tensor<2x3xf64>, tensor<3x3xf64> -> tensor<2x3xf64>
    %l = grad.mse %h, %t : tensor<2x3xf64> -> tensor<f64>
    return %l : tensor<f64>
  }
}
// CHECK-LABEL: func.func @m(
// CHECK: grad.mse
// CHECK-LABEL: func.func @m_gradients(
// CHECK-NOT: grad.mse
// CHECK: %[[ERROR:.*]] = grad.sub %{{.*}}, %{{.*}} : tensor<2x3xf64>
// CHECK: %[[SQUARE:.*]] = grad.mul %[[ERROR]], %[[ERROR]]
// CHECK: %[[LOSS:.*]] = grad.reduce_mean %[[SQUARE]]
// CHECK-NOT: grad.mse
// CHECK: return %[[LOSS]], %{{.*}} : tensor<f64>, tensor<3x3xf64>
