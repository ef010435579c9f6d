// oneDNN f32 convolution backward-data gives a wrong diff_src when OC % 16 != 0
// (AVX-512 blocking), because the reorder abcd -> ABcd16a16b of the weights is wrong.
// Build: g++ -O2 -std=c++17 repro.cpp -o repro -ldnnl    Run: ./repro [fill, default nan]
// fill: value the primitive-side buffers hold before the reorders, to see what they leave unwritten.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "oneapi/dnnl/dnnl.hpp"
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
static engine eng(engine::kind::cpu, 0);
static stream strm(eng);

static float* ptr(const memory& m) { return static_cast<float*>(m.get_data_handle()); }
static size_t nfloats(const memory& m) { return m.get_desc().get_size() / sizeof(float); }
static memory filled(const memory::desc& md, float fill) {  // memory whose every float is `fill`
    memory m(md, eng);
    std::fill(ptr(m), ptr(m) + nfloats(m), fill);
    return m;
}

static void run(int N, int C, int H, int W, int OC, int K, int P, float fill) {
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    memory::dims src_d {N, C, H, W}, wei_d {OC, C, K, K}, dst_d {N, OC, OH, OW}, str {1, 1}, pad {P, P};
    std::mt19937 gen(42);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> wei(OC * C * K * K), ddst(N * OC * OH * OW), dsrc(N * C * H * W);
    for (auto& x : wei) x = u(gen);
    for (auto& x : ddst) x = u(gen);

    auto any = [](const memory::dims& d) { return memory::desc(d, dt::f32, tag::any); };
    convolution_forward::primitive_desc fwd_pd(eng, prop_kind::forward_training,
            algorithm::convolution_direct, any(src_d), any(wei_d), any(dst_d), str, pad, pad);
    convolution_backward_data::primitive_desc bwd_pd(eng, algorithm::convolution_direct,
            any(src_d), any(wei_d), any(dst_d), str, pad, pad, fwd_pd);
    auto wei_md = bwd_pd.weights_desc(), ddst_md = bwd_pd.diff_dst_desc();

    // double-precision reference: diff_src[n,c,oh+kh-P,ow+kw-P] += diff_dst[n,o,oh,ow] * w[o,c,kh,kw]
    std::vector<double> ref(dsrc.size(), 0.0);
    for (int n = 0; n < N; n++) for (int o = 0; o < OC; o++) for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++) for (int c = 0; c < C; c++) for (int kh = 0; kh < K; kh++)
    for (int kw = 0; kw < K; kw++) {
        int ih = oh + kh - P, iw = ow + kw - P;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        ref[((n * C + c) * H + ih) * W + iw] += (double)ddst[((n * OC + o) * OH + oh) * OW + ow]
                * wei[((o * C + c) * K + kh) * K + kw];
    }
    // run backward data on the given blocked weights / diff_dst, return max|err| / max|ref|
    auto bwd = [&](const memory& b_wei, const memory& b_ddst, long* nan) {
        memory b_dsrc = filled(bwd_pd.diff_src_desc(), fill);
        memory u_dsrc({src_d, dt::f32, tag::abcd}, eng, dsrc.data());
        convolution_backward_data(bwd_pd).execute(strm, {{DNNL_ARG_DIFF_DST, b_ddst},
                {DNNL_ARG_WEIGHTS, b_wei}, {DNNL_ARG_DIFF_SRC, b_dsrc}});
        reorder(b_dsrc, u_dsrc).execute(strm, b_dsrc, u_dsrc);
        strm.wait();
        double max_err = 0, max_ref = 0;
        *nan = 0;
        for (size_t i = 0; i < ref.size(); i++) {
            if (std::isnan(dsrc[i])) { ++*nan; continue; }
            max_err = std::max(max_err, std::fabs(dsrc[i] - ref[i]));
            max_ref = std::max(max_ref, std::fabs(ref[i]));
        }
        return max_err / max_ref;
    };

    // 1. plain abcd user buffers reordered into the primitive's layouts (buffers pre-filled with `fill`)
    memory u_wei({wei_d, dt::f32, tag::abcd}, eng, wei.data());
    memory u_ddst({dst_d, dt::f32, tag::abcd}, eng, ddst.data());
    memory r_wei = filled(wei_md, fill), r_ddst = filled(ddst_md, fill);
    reorder(u_wei, r_wei).execute(strm, u_wei, r_wei);
    reorder(u_ddst, r_ddst).execute(strm, u_ddst, r_ddst);
    strm.wait();
    long nan_res;
    double err = bwd(r_wei, r_ddst, &nan_res);
    printf("diff_src %dx%dx%dx%d, OC %d, kernel %dx%d, pad %d\n", N, C, H, W, OC, K, K, P);
    printf("  reordered buffers:   max|err|/max|ref| = %.3g, NaN in diff_src: %ld\n", err, nan_res);
    fflush(stdout);

    // 2. the same buffers packed by hand (padding = 0), if the layouts are the expected ones
    if (wei_md != memory::desc(wei_d, dt::f32, tag::ABcd16a16b)
            || ddst_md != memory::desc(dst_d, dt::f32, tag::aBcd16b)) { printf("  (other layouts)\n"); return; }
    const int OCp = (OC + 15) / 16 * 16, CB = C / 16;  // C is a multiple of 16 here
    memory h_wei = filled(wei_md, NAN), h_ddst = filled(ddst_md, NAN);  // NaN marks the padding
    for (int o = 0; o < OC; o++) for (int c = 0; c < C; c++) for (int k = 0; k < K * K; k++)
        ptr(h_wei)[(((o / 16 * CB + c / 16) * K * K + k) * 16 + o % 16) * 16 + c % 16]
                = wei[(o * C + c) * K * K + k];
    for (int n = 0; n < N; n++) for (int o = 0; o < OC; o++) for (int s = 0; s < OH * OW; s++)
        ptr(h_ddst)[((n * (OCp / 16) + o / 16) * OH * OW + s) * 16 + o % 16]
                = ddst[(n * OC + o) * OH * OW + s];
    // compare the reorder outputs with the hand packing, then zero the hand packing's padding
    auto compare = [](const memory& r, const memory& h, long nval) {
        long bad_val = 0, bad_pad = 0;
        for (size_t i = 0; i < nfloats(h); i++) {
            float& x = ptr(h)[i];
            if (std::isnan(x)) { bad_pad += !(ptr(r)[i] == 0.f); x = 0.f; }
            else bad_val += !(ptr(r)[i] == x);
        }
        printf(" %ld of %ld values wrong, %ld of %ld padding floats not 0", bad_val, nval, bad_pad,
               long(nfloats(h)) - nval);
    };
    printf("  reorder output vs hand packing: weights");
    compare(r_wei, h_wei, OC * C * K * K);
    printf(";\n                                  diff_dst");
    compare(r_ddst, h_ddst, N * OC * OH * OW);
    printf("\n");
    fflush(stdout);
    err = bwd(h_wei, h_ddst, &nan_res);
    printf("  hand-packed buffers: max|err|/max|ref| = %.3g, NaN in diff_src: %ld\n", err, nan_res);
}

int main(int argc, char** argv) {
    float fill = argc > 1 ? std::strtof(argv[1], nullptr) : NAN;
    const version_t* v = version();
    printf("oneDNN %d.%d.%d, reorder destinations pre-filled with %g\n", v->major, v->minor, v->patch, fill);
    run(64, 512, 4, 4, 1, 4, 0, fill);  // last layer of a DCGAN discriminator
    run(64, 512, 4, 4, 16, 4, 0, fill);
    for (int OC : {1, 3, 8, 15, 16, 24, 32}) run(8, 128, 14, 14, OC, 3, 1, fill);
    return 0;
}
