# DCGAN-end case, 1 filter: x (64,512,4,4), w (1,512,4,4), pad 0; float32 vs float64 input grad
import os, torch, torch.nn.functional as F
torch.set_num_threads(int(os.environ.get("NT", "1")))
torch.manual_seed(3)
f = int(os.environ.get("NF", "1"))
x = torch.randn(64,512,4,4); w = torch.randn(f,512,4,4)*0.05
y0 = F.conv2d(x, w); r = torch.rand_like(y0)*2-1
g = []
for dt in (torch.float32, torch.float64):
    print("=== dtype", dt, flush=True)
    xx = x.to(dt).clone().requires_grad_(); ww = w.to(dt).clone().requires_grad_()
    (F.conv2d(xx, ww)*r.to(dt)).sum().backward(); g.append(xx.grad.double())
print("=== rel err", ((g[0]-g[1]).abs().max()/g[1].abs().max()).item(), flush=True)
