"""One way to plot.

Every plotting function has the shape ``plot_x(result, ..., ax=None, **kwargs) -> Axes``: it
draws only on ``ax`` (a new figure when ``None``), never calls ``plt.show()`` and never
switches backends. Shared machinery lives in :mod:`ecrm_lab.plotting._common`; one module per
area of the package adds its functions: :mod:`~ecrm_lab.plotting.architecture`,
:mod:`~ecrm_lab.plotting.world`, :mod:`~ecrm_lab.plotting.warehouse`,
:mod:`~ecrm_lab.plotting.kdd`, :mod:`~ecrm_lab.plotting.mining`,
:mod:`~ecrm_lab.plotting.operational`, :mod:`~ecrm_lab.plotting.lifecycle`,
:mod:`~ecrm_lab.plotting.engines`, :mod:`~ecrm_lab.plotting.grading`. Result objects call them
through their ``plot()`` method.
"""

from ._common import PALETTE, get_ax, use_style
from .architecture import plot_architecture

__all__ = ["PALETTE", "get_ax", "use_style", "plot_architecture"]
