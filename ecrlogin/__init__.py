"""ecrlogin: log container tools into Amazon ECR, fast and without leaking secrets."""

__version__ = "0.2.0"
