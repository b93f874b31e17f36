"""scripts_runtime"""
