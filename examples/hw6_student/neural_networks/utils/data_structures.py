"""AttrDict: a dict whose keys are also attributes (``args.lr`` as well as ``args["lr"]``)."""


class AttrDict(dict):
    """A dictionary whose items can be read and written as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None
