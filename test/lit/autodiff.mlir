// grad-autodiff derives @m_gradients; every op without a VJP rule between a
// parameter and the loss is reported, all at once.
// RUN: not %gradc dump %s --after=grad-autodiff 2>&1 | FileCheck %s

module attributes {grad.stage = "import"} {
  func.func @m(%x: tensor<2x3xf32> {grad.input = "x"},
               %w: tensor<3x3xf32> {grad.param = "w", grad.init = {kind = "zeros"}})
      -> (tensor<f32> {grad.output = "loss"})
      attributes {grad.entry = "forward", grad.loss = "loss",
                  grad.optimizer = {kind = "sgd", lr = 0.1 : f64}} {
    %h = grad.matmul %x, %w : tensor<2x3xf32>, tensor<3x3xf32> -> tensor<2x3xf32>
    // CHECK-DAG: autodiff.mlir:[[@LINE+1]]:10: error: no gradient rule (VJP) and no decomposition for 'math.exp'; it lies between a parameter and the loss
    %e = math.exp %h : tensor<2x3xf32>
    // CHECK-DAG: autodiff.mlir:[[@LINE+1]]:10: error: no gradient rule (VJP) and no decomposition for 'math.sin'; it lies between a parameter and the loss
    %s = math.sin %e : tensor<2x3xf32>
    %l = grad.reduce_sum %s : tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
  // CHECK: error: cannot differentiate m_gradients: 2 op(s) above have no gradient rule
}
