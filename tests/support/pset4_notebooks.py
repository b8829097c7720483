# ruff: noqa: E501 - the notebooks' code is quoted as the course wrote it (the starter's long def line)
"""pset4 notebooks for tests/test_pset4.py, made from the reference: the seed write-up's answers, the course's
starter as handed out, a notebook filled in on old PyTorch, a correct-but-different one and planted bugs.

Each function edits the reference's cells by exact text (``edit`` fails when the text is not there, so a change
of the reference cannot silently empty a case) and writes the notebook to ``out``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "pset4" / "PSET4_Classification.ipynb"


def cell(nb, starts: str):
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(starts)]
    assert len(found) == 1, f"{len(found)} cells start with {starts!r}"
    return found[0]


def edit(nb, starts: str, old: str, new: str) -> None:
    target = cell(nb, starts)
    assert old in target.source, f"{old!r} is not in the cell starting with {starts!r}"
    target.source = target.source.replace(old, new)


def body(nb, starts: str, header: str, new_body: str) -> None:
    """Replace the body of ``def``/``class`` line ``header`` (its indented block) in the cell by ``new_body``."""
    target = cell(nb, starts)
    lines = target.source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(header))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    pad = " " * (indent + 4)
    new = [lines[start]] + [pad + line if line else line for line in new_body.strip("\n").split("\n")]
    target.source = "\n".join(lines[:start] + new + lines[end:])


def made(change: Callable) -> Callable[[Path], Path]:
    def write(out: Path) -> Path:
        nb = nbformat.read(REFERENCE, as_version=4)
        change(nb)
        nbformat.write(nb, str(out))
        return out

    write.__doc__ = change.__doc__
    return write


GRADS = "# 1.1: layout as in the handout"
BCE = "# 1.2: binary cross-entropy"
ANSWERS_21 = "# 2.1"
NET3 = "# 2.2.4"
CONV = "# 3.2"
CPU = "## for reproducibility"
GPU = "# Copy the code from (i)"
ACC = "### Accuracy on whole data set"
TRAIN = "def train("


@made
def seed_answers(nb) -> None:
    """The seed write-up's answers: dz/dA = sum of 2 a_ii (a scalar), dz/dy of Ay = A (numerator layout),
    Normalize as "image x std / mean", no dataset sizes; everything else as the reference."""
    body(nb, GRADS, "def dz_dA(A):", '"""z = trace(A^T A)."""\nreturn np.sum(2 * np.diag(A))')
    body(nb, GRADS, "def dZ_dy(A, y):", '"""z = A y."""\nreturn A')
    body(nb, ANSWERS_21, "def normalize(x, mean, std):", '''"""image = image x std / mean"""
mean = torch.as_tensor(mean, dtype=x.dtype).view(-1, 1, 1)
std = torch.as_tensor(std, dtype=x.dtype).view(-1, 1, 1)
return x * std / mean''')
    target = cell(nb, ANSWERS_21)
    target.source = target.source[:target.source.index("\n\ndef dataset_sizes")] + "\n"
    edit(nb, "transform = transforms.Compose", "print('training samples:', len(train_data))\n"
         "print('test samples:', len(test_data))\n", "")  # (2.1(ii) missing in the seed)


STARTER_CPU = """## for reproducibility
torch.manual_seed(7)
np.random.seed(7)

## Instantiating classifier
net = Net().cuda()

## Defining optimizer and loss function
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

## Defining Training Parameters
num_epochs = 1 # 2 for CPU training, 10 for GPU training
running_loss_list = [] # list to store running loss in the code below
for epoch in range(num_epochs):  # loop over the dataset multiple times
    running_loss = 0.0
    for i, data in enumerate(train_loader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data
        # Fill in the training loop here.

        # print statistics
        running_loss += loss.cpu().item()
        if i % 250 == 249:    # print every 250 mini-batches
            print('[{}, {}] loss: {:.3f}'.format(epoch + 1, i + 1, running_loss / 250))
            running_loss_list.append(running_loss)
            running_loss = 0.0

print('Training Complete')
PATH = './net.pth'
torch.save(net.state_dict(), PATH)

def plot_loss_curve(running_loss_list):
    pass
"""

STARTER_TRAIN = '''def train(train_loader=train_loader, num_epochs=2, use_gpu=False, lr=0.001, momentum=0.9, model_save_path='./net.pth'):
    """
    A function to train on the entire dataset for a given number of epochs.
    Returns:
        running_loss_list: a list of loss averaged over a minibatch of size 250
    """
    return running_loss_list

def test(test_loader=test_loader, model_path='./net.pth'):
    acc  = ## stores the accuracy computed in the above loop
    print('Accuracy of the network on the 10000 test images: %d %%' % (acc))
'''


@made
def starter(nb) -> None:
    """The course's starter as handed out: nothing filled in, its defects kept (``dataiter.next()``,
    ``Net().cuda()`` in the CPU cell, ``acc  = ##``, ``torch.load`` without ``map_location``), no answers."""
    nb.cells = [c for c in nb.cells if not c.source.startswith("# PSET4: Classification")]
    answers = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Answers the grader checks"))
    nb.cells = nb.cells[:answers]
    nb.cells = [c for c in nb.cells if not c.source.startswith("# 2.4 (ii): the four runs")]
    data = cell(nb, "transform = transforms.Compose")
    data.source = data.source[:data.source.index("\n\n# 2.1 (ii)")]
    for starts in ("# get some random training images", "dataiter = iter(test_loader)"):
        edit(nb, starts, "next(dataiter)  # fix 1", "dataiter.next()")
        if "fix 1: the starter's" in cell(nb, starts).source:
            edit(nb, starts, "  # fix 1: the starter's dataiter.next()", "")
    edit(nb, "dataiter = iter(test_loader)", "torch.load(PATH, map_location='cpu'))  # fix 4", "torch.load(PATH))")
    cell(nb, CPU).source = STARTER_CPU
    cell(nb, GPU).source = "# Copy the code from (i), and modify it to run on GPUs for 20 epochs"
    target = cell(nb, ACC)
    target.source = target.source[:target.source.index("# BEGIN SOLUTION")] + (
        "acc  = ## stores the accuracy computed in the above loop\n"
        "print('Accuracy of the network on the 10000 test images: %d %%' % (acc))")
    cell(nb, TRAIN).source = STARTER_TRAIN
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
            assert "SOLUTION" not in c.source, c.source[:80]


@made
def old_pytorch(nb) -> None:
    """Filled in correctly on the course's PyTorch: ``dataiter.next()`` and ``Net().cuda()`` in the CPU cell,
    ``torch.load(PATH)`` without ``map_location``."""
    edit(nb, "# get some random training images", "next(dataiter)", "dataiter.next()")
    edit(nb, "dataiter = iter(test_loader)", "next(dataiter)", "dataiter.next()")
    edit(nb, "dataiter = iter(test_loader)", "torch.load(PATH, map_location='cpu')", "torch.load(PATH)")
    edit(nb, CPU, "net = Net()  # fix 2: the starter's Net().cuda() in the CPU cell", "net = Net().cuda()")
    edit(nb, CPU, "        inputs, labels = data\n", "        inputs, labels = data[0].cuda(), data[1].cuda()\n")


@made
def different(nb) -> None:
    """Correct but different everywhere the text leaves a choice (each must keep full marks)."""
    # the real solved notebook's loop order, and zero_grad(set_to_none=True)
    edit(nb, CPU, """        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()""", """        outputs = net(inputs)
        loss = criterion(outputs, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()""")
    body(nb, CPU, "def plot_loss_curve(running_loss_list):", "plt.plot(running_loss_list)")  # draws, returns None
    # the seed's GPU lines: .cuda() everywhere
    cell(nb, GPU).source = """net = Net().cuda()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
running_loss_list = []
for epoch in range(20):
    running_loss = 0.0
    for i, data in enumerate(train_loader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs.cuda())
        loss = criterion(outputs.cuda(), labels.cuda())
        loss.backward()
        optimizer.step()
        running_loss += loss.cuda().item()
        if i % 250 == 249:
            running_loss_list.append(running_loss)
            running_loss = 0.0
"""
    # acc as a fraction, printed as the real notebook did
    edit(nb, ACC, "acc = 100 * correct / total  ## stores the accuracy computed in the above loop (a percent)",
         "acc = correct / total")
    edit(nb, ACC, "print('Accuracy of the network on the 10000 test images: %d %%' % (acc))",
         "print(f'Accuracy of the network on the 10000 test images: {acc * 100}%')")
    # Net with nn.ReLU modules and nn.Flatten
    cell(nb, "class Net(nn.Module):").source = """class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
                                        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))"""
    # the real notebook's train: seeds 7, always .cuda() (ignores use_gpu), an extra keyword with a default,
    # rebuilds its loader from the one it is given; test prints a fraction * 100 and returns nothing
    cell(nb, TRAIN).source = '''def train(train_loader=train_loader, num_epochs=2, use_gpu=False, lr=0.001, momentum=0.9,
          model_save_path='./net.pth', img_save_path='./loss.png'):
    torch.manual_seed(7)
    np.random.seed(7)
    loader = torch.utils.data.DataLoader(train_loader.dataset, batch_size=train_loader.batch_size, shuffle=True)
    net = Net().cuda()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    running_loss_list = []
    for epoch in range(num_epochs):
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(loader):
            outputs = net(inputs.cuda())
            loss = criterion(outputs, labels.cuda())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if (i + 1) % 250 == 0:
                running_loss_list.append(running_loss)
                running_loss = 0.0
    plot_loss_curve(running_loss_list)
    plt.savefig(img_save_path)
    plt.close('all')
    torch.save(net.state_dict(), model_save_path)
    return running_loss_list


def test(test_loader=test_loader, model_path='./net.pth'):
    net = Net()
    net.load_state_dict(torch.load(model_path, map_location='cpu'))
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in test_loader:
            predicted = net(images).argmax(dim=1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    acc = correct / total
    print(f'Accuracy: {acc * 100}%')
'''
    # answers written otherwise: a flat vector, einsum, arithmetic for the shapes, numbers for the sizes
    body(nb, GRADS, "def dz_dx(x):", "return (2 * x).ravel()")
    body(nb, GRADS, "def dz_dy(x, A, y):", "return np.einsum('mn,mk->nk', A, x)")
    body(nb, BCE, "def bce_loss(y, y_hat):", "return -np.log(y_hat if y == 1 else 1 - y_hat)")
    body(nb, BCE, "def bce_loss_grad(y, y_hat):", "return (y_hat - y) / (y_hat * (1 - y_hat))")
    body(nb, ANSWERS_21, "def normalize(x, mean, std):",
         "return transforms.Normalize(mean, std)(x)")
    body(nb, ANSWERS_21, "def dataset_sizes(train_data, test_data):", "return 50000, 10000")
    cell(nb, NET3).source = """class Net3(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(nn.Conv2d(3, 6, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Conv2d(6, 16, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2))
        self.fcs = nn.Sequential(nn.Linear(576, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.fcs(self.convs(x).view(x.size(0), -1))"""
    cell(nb, CONV).source = """H_out = (64 + 2 * 0 - 3) // 1 + 1
CONV_OUTPUT_SHAPE = [64, H_out, H_out]
PADDING, STRIDE = 16, 3
"""


@made
def planted(nb) -> None:
    """One bug in each of five parts: no zero_grad in the training loop (2.3a), train without backward (2.4d),
    Net3 keeping view(-1, 16 * 5 * 5) (2.2.4), an accuracy cell that trains the model (2.4a), test computing the
    accuracy of the last batch only (2.4c)."""
    edit(nb, CPU, "        optimizer.zero_grad()\n", "")
    edit(nb, TRAIN, "            loss.backward()\n", "")
    edit(nb, NET3, "self.fc1 = nn.Linear(16 * 6 * 6, 120)", "self.fc1 = nn.Linear(16 * 5 * 5, 120)")
    edit(nb, NET3, "x = x.view(-1, 16 * 6 * 6)", "x = x.view(-1, 16 * 5 * 5)")
    edit(nb, ACC, """with torch.no_grad():
    for data in test_loader:
        images, labels = data
        outputs = net(images)""", """optimizer = optim.SGD(net.parameters(), lr=0.01)
if True:
    for data in test_loader:
        images, labels = data
        outputs = net(images)
        criterion(outputs, labels).backward()
        optimizer.step()""")
    edit(nb, ACC, "### Accuracy on whole data set\n", "### Accuracy on whole data set\ncriterion = nn.CrossEntropyLoss()\n")
    edit(nb, TRAIN, """    # BEGIN SOLUTION: acc = None  ## stores the accuracy computed in the above loop
    acc = 100 * correct / total""", """    # BEGIN SOLUTION: acc = None  ## stores the accuracy computed in the above loop
    acc = 100 * (predicted == labels).sum().item() / labels.size(0)""")
