"""Where a worker's time went, from a py-spy profile in collapsed form (BENCH_PROFILE=1).

    python bench/top_frames.py bench/.work/profile-03-read.txt [N]

Prints, for the N functions present in the most samples, the share of samples whose stack
contains them (inclusive time), skipping the frames every request shares (gunicorn's loop).
"""

import sys
from collections import Counter
from pathlib import Path


def main() -> None:
    path = Path(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        # One count per function per stack, however often it recurses.
        for frame in set(stack.split(";")):
            inclusive[frame.split(" (")[0] + " (" + frame.split(" (")[-1]] += samples
    print(f"{total} samples in {path.name}")
    for frame, samples in inclusive.most_common(top):
        print(f"{100 * samples / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
