package io.github.djlgan.testing;

import ai.djl.ndarray.types.Shape;

/**
 * The layers' formulas as plain Java loops over row-major buffers, in double precision: the
 * independent expectation that the engine-matrix tests compare the blocks with. Each is written
 * from the definition (the paper, or the reference code's formula), never from the block's
 * implementation.
 */
public final class Formulas {

    private Formulas() {}

    /**
     * A dense layer over the last axis: y[..., u] = Σ_i w[u, i]·x[..., i] + b[u].
     *
     * @param x the input, row-major
     * @param in the input's shape (..., I)
     * @param w the weight (U, I), row-major
     * @param units U
     * @param b the bias (U), or null
     * @return the output (..., U)
     */
    public static double[] linear(double[] x, Shape in, double[] w, int units, double[] b) {
        int width = (int) in.get(in.dimension() - 1);
        int rows = x.length / width;
        double[] y = new double[rows * units];
        for (int r = 0; r < rows; r++) {
            for (int u = 0; u < units; u++) {
                double sum = b == null ? 0 : b[u];
                for (int i = 0; i < width; i++) {
                    sum += w[u * width + i] * x[r * width + i];
                }
                y[r * units + u] = sum;
            }
        }
        return y;
    }

    /**
     * A 2-D cross-correlation (DJL's and PyTorch's convolution) with stride 1, zero padding and one
     * group: y[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} w[f, c, ky, kx]·x[n, c, oy − p_h + ky, ox − p_w
     * + kx], the input read as 0 outside its bounds.
     *
     * @param x the input (N, C, H, W), row-major
     * @param in its shape
     * @param w the weight (F, C, kh, kw), row-major
     * @param weight its shape
     * @param b the bias (F), or null
     * @param padding (p_h, p_w)
     * @return the output (N, F, H + 2p_h − kh + 1, W + 2p_w − kw + 1)
     */
    public static double[] conv2d(
            double[] x, Shape in, double[] w, Shape weight, double[] b, int[] padding) {
        int n = (int) in.get(0);
        int c = (int) in.get(1);
        int h = (int) in.get(2);
        int wd = (int) in.get(3);
        int f = (int) weight.get(0);
        int kh = (int) weight.get(2);
        int kw = (int) weight.get(3);
        int oh = h + 2 * padding[0] - kh + 1;
        int ow = wd + 2 * padding[1] - kw + 1;
        double[] y = new double[n * f * oh * ow];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < f; o++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = b == null ? 0 : b[o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy - padding[0] + ky;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox - padding[1] + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        sum +=
                                                w[((o * c + ch) * kh + ky) * kw + kx]
                                                        * x[((i * c + ch) * h + iy) * wd + ix];
                                    }
                                }
                            }
                        }
                        y[((i * f + o) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }
        return y;
    }

    /**
     * A transposed 2-D convolution straight from its definition: every input pixel scatters its
     * kernel onto the output, y[n, g·F/G + f, iy·s − p + ky·d, ...] += x[n, c, iy, ...] · w[c, f,
     * ky, ...] for c in group g, then the bias is added.
     *
     * @param x the input (N, C, H, W), row-major
     * @param in its shape
     * @param w the weight (C, F/G, kh, kw), row-major
     * @param filters F
     * @param groups G
     * @param kernel (kh, kw)
     * @param stride (s_h, s_w)
     * @param padding (p_h, p_w)
     * @param outPadding (a_h, a_w)
     * @param dilation (d_h, d_w)
     * @param b the bias (F), or null
     * @return the output (N, F, H', W'), H' = (H − 1)·s_h − 2·p_h + d_h·(kh − 1) + a_h + 1
     */
    public static double[] deconv2d(
            double[] x,
            Shape in,
            double[] w,
            int filters,
            int groups,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] outPadding,
            int[] dilation,
            double[] b) {
        int n = (int) in.get(0);
        int c = (int) in.get(1);
        int h = (int) in.get(2);
        int wd = (int) in.get(3);
        int fg = filters / groups;
        int cg = c / groups;
        int kh = kernel[0];
        int kw = kernel[1];
        int oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outPadding[0] + 1;
        int ow = (wd - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outPadding[1] + 1;
        double[] y = new double[n * filters * oh * ow];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int g = ch / cg;
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < wd; ix++) {
                        double v = x[((i * c + ch) * h + iy) * wd + ix];
                        for (int f = 0; f < fg; f++) {
                            int o = g * fg + f;
                            for (int ky = 0; ky < kh; ky++) {
                                int oy = iy * stride[0] - padding[0] + ky * dilation[0];
                                for (int kx = 0; kx < kw; kx++) {
                                    int ox = ix * stride[1] - padding[1] + kx * dilation[1];
                                    if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                                        y[((i * filters + o) * oh + oy) * ow + ox] +=
                                                v * w[((ch * fg + f) * kh + ky) * kw + kx];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (b != null) {
            for (int i = 0; i < y.length; i++) {
                y[i] += b[(i / (oh * ow)) % filters];
            }
        }
        return y;
    }

    /**
     * Independent expectation: y[n,u,p] = Σ_c w[u,c]·x[n,c,p] + b, written as plain loops over the
     * row-major buffers.
     */
    public static double[] nin(
            double[] x, Shape s, double[] w, long units, double[] b, boolean untied) {
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int p = (int) s.slice(2).size();
        double[] y = new double[n * (int) units * p];
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < units; u++) {
                for (int q = 0; q < p; q++) {
                    double sum = 0;
                    for (int k = 0; k < c; k++) {
                        sum += w[u * c + k] * x[(i * c + k) * p + q];
                    }
                    if (b != null) {
                        sum += untied ? b[u * p + q] : b[u];
                    }
                    y[(i * (int) units + u) * p + q] = sum;
                }
            }
        }
        return y;
    }

    /**
     * Independent expectation, as plain loops over the row-major buffers: z[n,j,q] = Σ_c
     * w[j,c]·x[n,c,q] + b[j] for j &lt; units·pieces, y[n,i,q] = max_r z[n, i·pieces + r, q].
     */
    public static double[] maxout(
            double[] x, Shape s, double[] w, int units, int pieces, double[] b) {
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int p = (int) s.slice(2).size();
        double[] y = new double[n * units * p];
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < units; u++) {
                for (int q = 0; q < p; q++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int r = 0; r < pieces; r++) {
                        int j = u * pieces + r;
                        double z = b == null ? 0 : b[j];
                        for (int k = 0; k < c; k++) {
                            z += w[j * c + k] * x[(i * c + k) * p + q];
                        }
                        best = Math.max(best, z);
                    }
                    y[(i * units + u) * p + q] = best;
                }
            }
        }
        return y;
    }

    /** y[n, c, p] = x[n, c, p] / sqrt(mean_c x[n, c, p]² + ε), in plain Java loops. */
    public static double[] pixelNorm(double[] x, Shape shape, double epsilon) {
        int n = (int) shape.get(0);
        int c = (int) shape.get(1);
        int p = (int) (shape.size() / n / c);
        double[] y = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < p; q++) {
                double sum = 0;
                for (int k = 0; k < c; k++) {
                    double v = x[(i * c + k) * p + q];
                    sum += v * v;
                }
                double scale = 1 / Math.sqrt(sum / c + epsilon);
                for (int k = 0; k < c; k++) {
                    y[(i * c + k) * p + q] = x[(i * c + k) * p + q] * scale;
                }
            }
        }
        return y;
    }

    /**
     * Independent expectation, as plain loops over the row-major buffers: sample i is in group i
     * mod M (M = N / G); statistic a of a group is the mean, over its C/n channels and every
     * trailing position, of sqrt(population variance over the G samples + ε).
     */
    public static double[] minibatchStdDev(
            double[] x, Shape s, int groupSize, int numChannels, double eps) {
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int p = (int) s.slice(2).size();
        int g = groupSize == 0 ? n : Math.min(groupSize, n);
        int m = n / g;
        int perGroup = c / numChannels;
        double[][] stat = new double[m][numChannels];
        for (int group = 0; group < m; group++) {
            for (int a = 0; a < numChannels; a++) {
                double total = 0;
                for (int ch = a * perGroup; ch < (a + 1) * perGroup; ch++) {
                    for (int q = 0; q < p; q++) {
                        double mean = 0;
                        for (int k = 0; k < g; k++) {
                            mean += x[((k * m + group) * c + ch) * p + q];
                        }
                        mean /= g;
                        double var = 0;
                        for (int k = 0; k < g; k++) {
                            double d = x[((k * m + group) * c + ch) * p + q] - mean;
                            var += d * d;
                        }
                        var /= g;
                        total += Math.sqrt(var + eps);
                    }
                }
                stat[group][a] = total / (perGroup * p);
            }
        }
        int out = c + numChannels;
        double[] y = new double[n * out * p];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < out; ch++) {
                for (int q = 0; q < p; q++) {
                    y[(i * out + ch) * p + q] =
                            ch < c ? x[(i * c + ch) * p + q] : stat[i % m][ch - c];
                }
            }
        }
        return y;
    }

    /**
     * Independent expectation, as plain loops over row-major buffers: c[i,j,k] = Σ_d |M[i,k,d] −
     * M[j,k,d]| with M = x·W and W = θ·exp(s)/‖θ‖ (norm over f).
     */
    public static double[] mbdDistances(
            double[] x, int n, int f, double[] theta, double[] s, int k, int d) {
        double[] w = new double[f * k * d];
        for (int q = 0; q < k * d; q++) {
            double norm = 0;
            for (int a = 0; a < f; a++) {
                norm += theta[a * k * d + q] * theta[a * k * d + q];
            }
            for (int a = 0; a < f; a++) {
                w[a * k * d + q] = theta[a * k * d + q] * Math.exp(s[q]) / Math.sqrt(norm);
            }
        }
        double[] m = new double[n * k * d];
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < k * d; q++) {
                double sum = 0;
                for (int a = 0; a < f; a++) {
                    sum += x[i * f + a] * w[a * k * d + q];
                }
                m[i * k * d + q] = sum;
            }
        }
        double[] c = new double[n * n * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int kk = 0; kk < k; kk++) {
                    double sum = 0;
                    for (int dd = 0; dd < d; dd++) {
                        sum += Math.abs(m[(i * k + kk) * d + dd] - m[(j * k + kk) * d + dd]);
                    }
                    c[(i * n + j) * k + kk] = sum;
                }
            }
        }
        return c;
    }

    /** f[i,k] = Σ_{j≠i} exp(−c[i,j,k] / scale[k]). */
    public static double[] mbdCloseness(double[] c, int n, int k, double[] scale) {
        double[] f = new double[n * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int kk = 0; kk < k; kk++) {
                    if (j != i) {
                        f[i * k + kk] += Math.exp(-c[(i * n + j) * k + kk] / scale[kk]);
                    }
                }
            }
        }
        return f;
    }

    /**
     * The data-dependent init of minibatch discrimination (the seed's init=True branch): mmad[k] =
     * ½ · mean over i of min over j ≠ i of c[i, j, k]; the new s = s − log mmad[k] (every d of
     * kernel k); the new b = −mean over i of Σ_{j≠i} exp(−c[i, j, k] / mmad[k]).
     *
     * @return {new s (K·D), new b (K), mmad (K), Σ_{j≠i} exp(−c[i, j, k] / mmad[k]) (N·K)}
     */
    public static double[][] mbdDataInit(
            double[] x, int n, int f, double[] theta, double[] s, int k, int d) {
        double[] c = mbdDistances(x, n, f, theta, s, k, d);
        double[] mmad = new double[k];
        for (int kk = 0; kk < k; kk++) {
            for (int i = 0; i < n; i++) {
                double min = Double.POSITIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        min = Math.min(min, c[(i * n + j) * k + kk]);
                    }
                }
                mmad[kk] += 0.5 * min / n;
            }
        }
        double[] newS = new double[k * d];
        for (int q = 0; q < k * d; q++) {
            newS[q] = s[q] - Math.log(mmad[q / d]);
        }
        double[] closeness = mbdCloseness(c, n, k, mmad);
        double[] newB = new double[k];
        for (int i = 0; i < n; i++) {
            for (int kk = 0; kk < k; kk++) {
                newB[kk] -= closeness[i * k + kk] / n;
            }
        }
        return new double[][] {newS, newB, mmad, closeness};
    }

    /** y[i] = concat(x[i], o[i] + b). */
    public static double[] mbdConcat(double[] x, int n, int f, double[] o, int k, double[] b) {
        double[] y = new double[n * (f + k)];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, i * f, y, i * (f + k), f);
            for (int kk = 0; kk < k; kk++) {
                y[i * (f + k) + f + kk] = o[i * k + kk] + b[kk];
            }
        }
        return y;
    }

    /** A vector of k ones. */
    public static double[] ones(int k) {
        double[] v = new double[k];
        java.util.Arrays.fill(v, 1);
        return v;
    }

    /** The whole forward pass of the block as plain loops. */
    public static double[] minibatchDiscrimination(
            double[] x, int n, int f, double[] theta, double[] s, double[] b, int k, int d) {
        double[] c = mbdDistances(x, n, f, theta, s, k, d);
        return mbdConcat(x, n, f, mbdCloseness(c, n, k, ones(k)), k, b);
    }

    /**
     * For every flat input index, the flat index of its parameter (the normalised axes dropped).
     */
    public static int[] parameterIndex(Shape s, int[] axes) {
        int rank = s.dimension();
        boolean[] normalised = new boolean[rank];
        for (int axis : axes) {
            normalised[axis] = true;
        }
        int[] index = new int[Math.toIntExact(s.size())];
        int[] coord = new int[rank];
        for (int i = 0; i < index.length; i++) {
            int p = 0;
            for (int d = 0; d < rank; d++) {
                if (!normalised[d]) {
                    p = p * (int) s.get(d) + coord[d];
                }
            }
            index[i] = p;
            for (int d = rank - 1; d >= 0; d--) {
                if (++coord[d] < s.get(d)) {
                    break;
                }
                coord[d] = 0;
            }
        }
        return index;
    }

    /** {batch mean, batch inverse std} per parameter position: 1/sqrt(biased var + eps). */
    public static double[][] batchStatistics(double[] x, int[] index, int size, double eps) {
        double[] sum = new double[size];
        double[] count = new double[size];
        for (int i = 0; i < x.length; i++) {
            sum[index[i]] += x[i];
            count[index[i]]++;
        }
        double[] mean = new double[size];
        for (int p = 0; p < size; p++) {
            mean[p] = sum[p] / count[p];
        }
        double[] squares = new double[size];
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - mean[index[i]];
            squares[index[i]] += d * d;
        }
        double[] invStd = new double[size];
        for (int p = 0; p < size; p++) {
            invStd[p] = 1 / Math.sqrt(squares[p] / count[p] + eps);
        }
        return new double[][] {mean, invStd};
    }

    /** y = (x − mean) · (gamma · invStd) + beta; null gamma = 1, null beta = 0. */
    public static double[] normalized(
            double[] x,
            int[] index,
            double[] mean,
            double[] invStd,
            double[] gamma,
            double[] beta) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int p = index[i];
            double g = gamma == null ? 1 : gamma[p];
            double b = beta == null ? 0 : beta[p];
            y[i] = (x[i] - mean[p]) * (g * invStd[p]) + b;
        }
        return y;
    }

    /** (1 − alpha) · average + alpha · batch. */
    public static double[] ema(double[] average, double[] batch, double alpha) {
        double[] out = new double[average.length];
        for (int p = 0; p < out.length; p++) {
            out[p] = (1 - alpha) * average[p] + alpha * batch[p];
        }
        return out;
    }

    /** Independent expectation of the effective weight: row o of v scaled to norm g[o]. */
    public static double[] weightNorm(double[] v, double[] g) {
        int out = g.length;
        int row = v.length / out;
        double[] w = new double[v.length];
        for (int o = 0; o < out; o++) {
            double sq = 0;
            for (int i = 0; i < row; i++) {
                sq += v[o * row + i] * v[o * row + i];
            }
            for (int i = 0; i < row; i++) {
                w[o * row + i] = g[o] * v[o * row + i] / Math.sqrt(sq);
            }
        }
        return w;
    }

    /**
     * Independent expectation for a grouped transposed convolution's weight (in, out/G, kh, kw):
     * output channel (group j, local k) is scaled to norm g over the input channels of group j and
     * every tap.
     */
    public static double[] weightNormDeconv(double[] v, Shape shape, int groups, double[] g) {
        int in = (int) shape.get(0);
        int outLocal = (int) shape.get(1);
        int taps = (int) shape.get(2) * (int) shape.get(3);
        int inLocal = in / groups;
        double[] w = new double[v.length];
        for (int j = 0; j < groups; j++) {
            for (int k = 0; k < outLocal; k++) {
                double sq = 0;
                for (int i = j * inLocal; i < (j + 1) * inLocal; i++) {
                    for (int t = 0; t < taps; t++) {
                        double x = v[(i * outLocal + k) * taps + t];
                        sq += x * x;
                    }
                }
                double scale = g[j * outLocal + k] / Math.sqrt(sq);
                for (int i = j * inLocal; i < (j + 1) * inLocal; i++) {
                    for (int t = 0; t < taps; t++) {
                        w[(i * outLocal + k) * taps + t] = v[(i * outLocal + k) * taps + t] * scale;
                    }
                }
            }
        }
        return w;
    }

    /** a/‖a‖. */
    public static double[] unit(double[] a) {
        double sq = 0;
        for (double x : a) {
            sq += x * x;
        }
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] / Math.sqrt(sq);
        }
        return out;
    }

    /** σ = uᵀ W v with W (rows, rest) row-major, in plain Java. */
    public static double sigma(double[] w, double[] u, double[] v) {
        double s = 0;
        for (int i = 0; i < u.length; i++) {
            double row = 0;
            for (int j = 0; j < v.length; j++) {
                row += w[i * v.length + j] * v[j];
            }
            s += u[i] * row;
        }
        return s;
    }

    /** One power iteration in plain Java: v = normalize(Wᵀu), u = normalize(W v). */
    public static double[][] powerIteration(double[] w, double[] u, double[] v) {
        int rows = u.length;
        int cols = v.length;
        double[] nv = new double[cols];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                nv[j] += w[i * cols + j] * u[i];
            }
        }
        nv = unit(nv);
        double[] nu = new double[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                nu[i] += w[i * cols + j] * nv[j];
            }
        }
        return new double[][] {unit(nu), nv};
    }
}
