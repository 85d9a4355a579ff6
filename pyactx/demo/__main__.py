"""``python -m pyactx.demo``, the same as ``python -m pyactx demo``."""

import sys

from pyactx.demo import main

sys.exit(main())
