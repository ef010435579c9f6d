import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.convolutional.*;
import ai.djl.training.GradientCollector;
/**
 * Which convolution shapes get a wrong float32 input gradient on DJL's PyTorch engine: for each
 * case and filter count, max |g32 - g64| / max |g64| of d(sum conv(x) * r)/dx ("ok" below 1e-4).
 * Run from the project root after {@code mvn -B -ntp -DskipTests package}: {@code java
 * -Dai.djl.offline=true -cp "$(ls examples/target/lib/*.jar | tr '\n' ':')"
 * docs/upstream/conv2d-input-gradient/ConvShapes.java [input-channels]}; with {@code input-channels}
 * the inputs have channels that are not a multiple of 16 and the filter counts are multiples of
 * 16 (the project's padding) and 1. {@code ONEDNN_VERBOSE=1} shows the kernels,
 * {@code ONEDNN_MAX_CPU_ISA=AVX2} limits them. {@code conv_shapes_torch.py} is the same in Python.
 */
public class ConvShapes {
  static float[] grad(Engine e, NDArray x0, NDArray w0, NDArray r0, DataType t, int dims, long[] k, long s, long p) {
    try (NDManager m = x0.getManager().newSubManager()) {
      NDArray x = x0.toType(t, true); x.attach(m); x.setRequiresGradient(true);
      NDArray w = w0.toType(t, true); w.attach(m); w.setRequiresGradient(true);
      try (GradientCollector c = e.newGradientCollector()) {
        NDArray y = dims == 2
          ? Conv2d.conv2d(x, w, null, new Shape(s, s), new Shape(p, p), new Shape(1, 1), 1).head()
          : dims == 1 ? Conv1d.conv1d(x, w, null, new Shape(s), new Shape(p), new Shape(1), 1).head()
          : Conv3d.conv3d(x, w, null, new Shape(s, s, s), new Shape(p, p, p), new Shape(1, 1, 1), 1).head();
        c.backward(y.mul(r0.toType(t, false)).sum());
      }
      return x.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
    }
  }
  public static void main(String[] a) {
    Engine e = Engine.getEngine("PyTorch");
    boolean inputChannels = a.length > 0 && a[0].equals("input-channels");
    int[] filterCounts = inputChannels ? new int[] {1, 16, 32, 48, 64} : new int[] {1, 2, 4, 8, 15, 16, 17, 24, 32};
    // name, dims, N, C, H, kernel, stride, pad, filters
    Object[][] cases = inputChannels ? new Object[][] {
      {"conv2d 3x3 p1 C=3 (8,3,14,14)", 2, 8, 3, 14, 3, 1, 1},
      {"conv2d 3x3 p1 C=8 (8,8,14,14)", 2, 8, 8, 14, 3, 1, 1},
      {"conv2d 3x3 p1 C=20 (8,20,14,14)", 2, 8, 20, 14, 3, 1, 1},
      {"conv2d 3x3 p1 C=24 (8,24,14,14)", 2, 8, 24, 14, 3, 1, 1},
      {"conv2d 3x3 p1 C=40 (8,40,14,14)", 2, 8, 40, 14, 3, 1, 1},
      {"conv2d 4x4 p0 C=24 (64,24,4,4)", 2, 64, 24, 4, 4, 1, 0},
      {"conv2d 4x4 p0 C=100 (64,100,4,4)", 2, 64, 100, 4, 4, 1, 0},
      {"conv1d k3 p1 C=24 (8,24,50)", 1, 8, 24, 50, 3, 1, 1},
    } : new Object[][] {
      {"conv2d 3x3 p1 (8,128,14,14)", 2, 8, 128, 14, 3, 1, 1},
      {"conv2d 1x1 (8,128,14,14)", 2, 8, 128, 14, 1, 1, 0},
      {"conv2d 4x4 s2 p1 (8,64,28,28)", 2, 8, 64, 28, 4, 2, 1},
      {"DCGAN D end: conv2d 4x4 p0 (64,512,4,4)", 2, 64, 512, 4, 4, 1, 0},
      {"conv2d 3x3 p1, 3 input ch (8,3,32,32)", 2, 8, 3, 32, 3, 1, 1},
      {"conv1d k3 p1 (8,128,50)", 1, 8, 128, 50, 3, 1, 1},
      {"conv1d k1 (8,128,50)", 1, 8, 128, 50, 1, 1, 0},
      {"conv3d 3x3x3 p1 (2,32,8,8,8)", 3, 2, 32, 8, 3, 1, 1},
    };
    for (Object[] cs : cases) {
      int dims = (int) cs[1]; long n = (int) cs[2], c = (int) cs[3], h = (int) cs[4], k = (int) cs[5], s = (int) cs[6], p = (int) cs[7];
      StringBuilder sb = new StringBuilder(String.format("%-42s", cs[0]));
      for (int f : filterCounts) {
        try (NDManager m = e.newBaseManager()) {
          e.setRandomSeed(3);
          Shape xs = dims == 2 ? new Shape(n, c, h, h) : dims == 1 ? new Shape(n, c, h) : new Shape(n, c, h, h, h);
          Shape ws = dims == 2 ? new Shape(f, c, k, k) : dims == 1 ? new Shape(f, c, k) : new Shape(f, c, k, k, k);
          long o = (h + 2 * p - k) / s + 1;
          Shape rs = dims == 2 ? new Shape(n, f, o, o) : dims == 1 ? new Shape(n, f, o) : new Shape(n, f, o, o, o);
          NDArray x = m.randomNormal(xs), w = m.randomNormal(ws).mul(0.05), r = m.randomUniform(-1, 1, rs);
          float[] g32 = grad(e, x, w, r, DataType.FLOAT32, dims, null, s, p);
          float[] g64 = grad(e, x, w, r, DataType.FLOAT64, dims, null, s, p);
          double d = 0, mx = 0;
          for (int i = 0; i < g32.length; i++) { d = Math.max(d, Math.abs(g32[i] - g64[i])); mx = Math.max(mx, Math.abs(g64[i])); }
          sb.append(String.format(" %d:%s", f, d / mx > 1e-4 ? String.format("%.2f", d / mx) : "ok"));
        }
      }
      System.out.println(sb);
    }
  }
}
