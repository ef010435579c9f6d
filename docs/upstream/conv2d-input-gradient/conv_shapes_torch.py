"""ConvShapes.java in PyTorch (Debian python3-torch 1.13 here): float32 vs float64 input gradients."""
import os
import sys
import torch
import torch.nn.functional as F
if "NT" in os.environ:  # intra-op threads, e.g. NT=1
    torch.set_num_threads(int(os.environ["NT"]))
print("python", sys.version.split()[0], "torch", torch.__version__, "threads", torch.get_num_threads(),
      "mkldnn.is_available", torch.backends.mkldnn.is_available(), "mkldnn.enabled", torch.backends.mkldnn.enabled)
torch.manual_seed(3)
cases = [("2-D 3x3 p1 (8,128,14,14)", 2, (8,128,14,14), 3, 1, 1),
         ("DCGAN end 4x4 p0 (64,512,4,4)", 2, (64,512,4,4), 4, 1, 0),
         ("2-D 3x3 p1 (8,3,32,32)", 2, (8,3,32,32), 3, 1, 1),
         ("1-D k3 p1 (8,128,50)", 1, (8,128,50), 3, 1, 1),
         ("3-D 3x3x3 p1 (2,32,8,8,8)", 3, (2,32,8,8,8), 3, 1, 1)]
for name, d, xs, k, s, p in cases:
    out = []
    for f in [1, 2, 4, 8, 15, 16, 17, 24, 32]:
        x = torch.randn(*xs); w = torch.randn(f, xs[1], *([k]*d)) * 0.05
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[d]
        y0 = conv(x, w, None, s, p); r = torch.rand_like(y0) * 2 - 1
        g = []
        for dt in (torch.float32, torch.float64):
            xx = x.detach().to(dt).clone().requires_grad_(); ww = w.detach().to(dt).clone().requires_grad_()
            (conv(xx, ww, None, s, p) * r.to(dt)).sum().backward(); g.append(xx.grad.double())
        e = ((g[0]-g[1]).abs().max() / g[1].abs().max()).item()
        out.append("%d:%s" % (f, "ok" if e < 1e-4 else "%.2f" % e))
    print("%-32s %s" % (name, " ".join(out)))
