// diagnostics (not for the issue): compare jit reorder outputs with manual packing,
// and run backward-data on manually packed (zero-padded) buffers.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>
#include "oneapi/dnnl/dnnl.hpp"
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
static engine eng(engine::kind::cpu, 0);
static stream strm(eng);

static void run(int N, int C, int H, int W, int F, int K, int P, float fill) {
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    memory::dims src_d {N, C, H, W}, wei_d {F, C, K, K}, dst_d {N, F, OH, OW};
    memory::dims strides {1, 1}, pad {P, P};
    std::mt19937 gen(42);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> wei(F * C * K * K), ddst(N * F * OH * OW), dsrc(N * C * H * W);
    for (auto& x : wei) x = u(gen);
    for (auto& x : ddst) x = u(gen);
    auto any = [](const memory::dims& d) { return memory::desc(d, dt::f32, tag::any); };
    convolution_forward::primitive_desc fwd_pd(eng, prop_kind::forward_training,
            algorithm::convolution_direct, any(src_d), any(wei_d), any(dst_d), strides, pad, pad);
    convolution_backward_data::primitive_desc bwd_pd(eng, algorithm::convolution_direct,
            any(src_d), any(wei_d), any(dst_d), strides, pad, pad, fwd_pd);
    auto wmd = bwd_pd.weights_desc(), dmd = bwd_pd.diff_dst_desc(), smd = bwd_pd.diff_src_desc();
    const int Fp = wmd.get_padded_dims()[0], Cp = wmd.get_padded_dims()[1];
    // manual ABcd16a16b / aBcd16b packing
    std::vector<float> mw(wmd.get_size() / 4, 0.f), md(dmd.get_size() / 4, 0.f);
    std::vector<char> wlog(mw.size(), 0), dlog(md.size(), 0);
    for (int o = 0; o < F; o++) for (int c = 0; c < C; c++) for (int h = 0; h < K; h++) for (int w = 0; w < K; w++) {
        size_t off = (((((size_t)(o / 16) * (Cp / 16) + c / 16) * K + h) * K + w) * 16 + o % 16) * 16 + c % 16;
        mw[off] = wei[((o * C + c) * K + h) * K + w]; wlog[off] = 1;
    }
    for (int n = 0; n < N; n++) for (int o = 0; o < F; o++) for (int h = 0; h < OH; h++) for (int w = 0; w < OW; w++) {
        size_t off = ((((size_t)n * (Fp / 16) + o / 16) * OH + h) * OW + w) * 16 + o % 16;
        md[off] = ddst[((n * F + o) * OH + h) * OW + w]; dlog[off] = 1;
    }
    memory u_wei({wei_d, dt::f32, tag::abcd}, eng, wei.data());
    memory u_ddst({dst_d, dt::f32, tag::abcd}, eng, ddst.data());
    memory u_dsrc({src_d, dt::f32, tag::abcd}, eng, dsrc.data());
    auto chk = [&](const char* name, const memory::desc& mdsc, memory& user, std::vector<float>& man, std::vector<char>& lg) {
        memory b(mdsc, eng);
        float* p = (float*)b.get_data_handle();
        std::fill(p, p + man.size(), fill);
        reorder(user, b).execute(strm, user, b); strm.wait();
        long bad_log = 0, pad_nan = 0, pad_nz = 0, first = -1;
        for (size_t i = 0; i < man.size(); i++) {
            if (lg[i]) { if (p[i] != man[i]) bad_log++; }
            else if (std::isnan(p[i])) { pad_nan++; if (first < 0) first = i; }
            else if (p[i] != 0) pad_nz++;
        }
        printf("   %s reorder: logical mismatches %ld, padding NaN %ld nonzero %ld (first bad pad off %ld)\n",
               name, bad_log, pad_nan, pad_nz, first);
        return b;
    };
    memory r_wei = chk("wei", wmd, u_wei, mw, wlog);
    memory r_ddst = chk("ddst", dmd, u_ddst, md, dlog);
    std::vector<double> ref(dsrc.size(), 0.0);
    for (int n = 0; n < N; n++) for (int o = 0; o < F; o++)
    for (int oh = 0; oh < OH; oh++) for (int ow = 0; ow < OW; ow++) {
        double g = ddst[((n * F + o) * OH + oh) * OW + ow];
        for (int c = 0; c < C; c++) for (int kh = 0; kh < K; kh++) for (int kw = 0; kw < K; kw++) {
            int ih = oh + kh - P, iw = ow + kw - P;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            ref[((n * C + c) * H + ih) * W + iw] += g * wei[((o * C + c) * K + kh) * K + kw];
        }
    }
    auto conv = [&](const char* name, memory& bw, memory& bd) {
        memory b_dsrc(smd, eng);
        float* p = (float*)b_dsrc.get_data_handle();
        std::fill(p, p + smd.get_size() / 4, fill);
        convolution_backward_data(bwd_pd).execute(strm, {{DNNL_ARG_DIFF_DST, bd},
                {DNNL_ARG_WEIGHTS, bw}, {DNNL_ARG_DIFF_SRC, b_dsrc}});
        reorder(b_dsrc, u_dsrc).execute(strm, b_dsrc, u_dsrc); strm.wait();
        double me = 0, mr = 0; long nn = 0;
        for (size_t i = 0; i < ref.size(); i++) {
            if (std::isnan(dsrc[i])) { nn++; continue; }
            me = std::max(me, std::fabs(dsrc[i] - ref[i])); mr = std::max(mr, std::fabs(ref[i]));
        }
        printf("   conv on %-28s: NaN %ld, rel err %.3g\n", name, nn, me / mr);
    };
    memory m_wei(wmd, eng, mw.data()), m_ddst(dmd, eng, md.data());
    printf("N%d C%d H%d W%d F%d K%d P%d fill %g  (padded F %d)\n", N, C, H, W, F, K, P, fill, Fp);
    conv("reordered wei+ddst", r_wei, r_ddst);
    conv("manual wei+ddst", m_wei, m_ddst);
    conv("manual wei, reordered ddst", m_wei, r_ddst);
    conv("reordered wei, manual ddst", r_wei, m_ddst);
}
int main(int argc, char** argv) {
    float fill = argc > 1 ? std::strtof(argv[1], nullptr) : NAN;
    printf("oneDNN %d.%d.%d\n", version()->major, version()->minor, version()->patch);
    run(64, 512, 4, 4, 1, 4, 0, fill);
    for (int F : {1, 8, 15, 24}) run(8, 128, 14, 14, F, 3, 1, fill);
}
