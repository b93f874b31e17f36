"""dbal"""
