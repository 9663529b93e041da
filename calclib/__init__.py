"""calclib: the derivatives, gradients and Hessians that *Calculus for Machine Learning* uses."""

__all__: list[str] = []
