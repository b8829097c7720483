from numpy.lib.stride_tricks import sliding_window_view
