#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "oneapi/dnnl/dnnl.hpp"
using namespace dnnl;
using tag = memory::format_tag; using dt = memory::data_type;
int main(int argc, char** argv) {
    engine eng(engine::kind::cpu, 0); stream strm(eng);
    int F = atoi(argv[1]), C = atoi(argv[2]), K = atoi(argv[3]);
    tag t = argc > 4 && argv[4][0] == 'T' ? tag::ABcd16b16a : tag::ABcd16a16b;
    memory::dims wd {F, C, K, K};
    std::vector<float> w(F * C * K * K);
    for (size_t i = 0; i < w.size(); i++) w[i] = 1 + i;
    memory u({wd, dt::f32, tag::abcd}, eng, w.data());
    memory::desc bmd(wd, dt::f32, t);
    memory b(bmd, eng);
    float* p = (float*)b.get_data_handle(); size_t n = bmd.get_size() / 4;
    for (size_t i = 0; i < n; i++) p[i] = NAN;
    reorder(u, b).execute(strm, u, b); strm.wait();
    int Fp = bmd.get_padded_dims()[0], Cp = bmd.get_padded_dims()[1];
    // grid over (a = o%16 row-ish, sp) : '.' ok, 'Z' logical zero, 'X' logical other wrong, 'N' padding NaN, 'G' padding nonzero
    std::vector<long> cntZ(K*K), cntX(K*K), cntN(K*K), cntG(K*K);
    for (int o = 0; o < Fp; o++) for (int c = 0; c < Cp; c++) for (int sp = 0; sp < K*K; sp++) {
        size_t blk = (((size_t)(o / 16) * (Cp / 16) + c / 16) * K * K + sp) * 256;
        size_t off = blk + (t == tag::ABcd16a16b ? (o % 16) * 16 + c % 16 : (c % 16) * 16 + o % 16);
        bool logical = o < F && c < C;
        if (logical) {
            float want = 1 + (o * C + c) * K * K + sp;
            if (p[off] == 0) cntZ[sp]++; else if (p[off] != want) cntX[sp]++;
        } else {
            if (std::isnan(p[off])) cntN[sp]++; else if (p[off] != 0) cntG[sp]++;
        }
    }
    printf("%s F%d C%d K%d (padded %dx%d)\n", t == tag::ABcd16a16b ? "ABcd16a16b" : "ABcd16b16a", F, C, K, Fp, Cp);
    for (int sp = 0; sp < K*K; sp++) printf("  kpos %2d: logical zeroed %5ld other-wrong %5ld | padding unwritten %5ld garbage %5ld\n", sp, cntZ[sp], cntX[sp], cntN[sp], cntG[sp]);
}
